"""The sandbox: a built-in fake forge serving a sample organisation over loopback HTTP."""
