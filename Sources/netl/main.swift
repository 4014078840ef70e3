import NetRuntime
print("netl")
