//! Safe extraction of layer tars into a directory: nothing is ever written outside it.
