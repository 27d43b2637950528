pub mod applicants;
pub mod attempts;
pub mod service;
pub mod validation;
