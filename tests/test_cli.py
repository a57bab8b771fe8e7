import subprocess
import sys

import pytest

from hangul_dl.cli import main


def test_demo_quick_end_to_end(tmp_path, capsys):
    assert main(["demo", "--quick", "--quiet", "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "데모 완료" in out and "spiral_train_accuracy" in out
    for name in ("spiral_loss.png", "spiral_boundary.png", "spiral_history.csv",
                 "spiral_model/manifest.json", "spiral_model/weights.npz"):
        assert (tmp_path / "out" / name).is_file(), name


def test_bad_device_is_one_line_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--device", "tpu"])
    assert exc.value.code == 2


def test_gpu_without_cupy_exits_2_with_reason(tmp_path, capsys):
    from hangul_dl.backend import cupy_available

    if cupy_available():
        pytest.skip("CuPy available")
    assert main(["demo", "--quick", "--device", "gpu", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hangul-dl: error:") and "hangul-dl[gpu]" in err[0]


def test_module_entry_point_and_help():
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "--help"],
                            capture_output=True, text=True, encoding="utf-8", check=True)
    assert "demo" in result.stdout
    result = subprocess.run([sys.executable, "-m", "hangul_dl", "demo", "--help"],
                            capture_output=True, text=True, encoding="utf-8", check=True)
    assert "--quick" in result.stdout


def test_import_has_no_side_effects():
    code = ("import sys, hangul_dl, hangul_dl.cli, hangul_dl.nn.layers, hangul_dl.training;"
            "bad = [m for m in ('cupy', 'jpype', 'konlpy', 'matplotlib') if m in sys.modules];"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "" and result.stderr == ""
