"""The from-scratch engine: functions, layers, optimizers, the Model base and gradient checks."""
