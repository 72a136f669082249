//! Finance functions: NPV, IRR, XNPV, XIRR, PMT, payback. Knows nothing of contracts.
