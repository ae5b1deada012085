"""The object model both sides use: MarshalByRefObject and its kin, leases, errors, ObjRefs for this
process's own objects, activation messages, and the worker threads that run sync code off the loop."""
