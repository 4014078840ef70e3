// GradientCheck and AllocationCounter live in the shared NetTestSupport target.
@_exported import NetTestSupport
