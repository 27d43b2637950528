pub mod applicants;
pub mod attempts;
pub mod blacklist;
pub mod service;
pub mod validation;
