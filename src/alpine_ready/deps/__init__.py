"""Python and Node dependencies: musl readiness from lockfiles and package indexes."""
