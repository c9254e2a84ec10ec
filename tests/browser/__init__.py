"""Browser tests: real JupyterLab and the exported pages in headless Chromium
(`make test-browser`)."""
