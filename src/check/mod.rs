//! The pre-release check: scan a release candidate's tree, audit it, and report
//! only violations, failing on new ones.
pub mod severity;
