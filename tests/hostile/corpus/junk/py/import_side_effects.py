import pathlib
pathlib.Path(__file__).with_name("IMPORTED-MARKER").write_text("this module was imported")
raise SystemExit("the audit must never import this module")
