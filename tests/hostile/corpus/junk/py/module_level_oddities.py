return 42
await something()
nonlocal x
yield 1
