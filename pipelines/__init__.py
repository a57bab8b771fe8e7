"""Ready pipeline recipes (TOML), installed as ``hangul_dl.pipelines``; see README.ko.md."""
