//! Test support shared by the suites: generated trees and independent oracle readers.
#![forbid(unsafe_code)]
