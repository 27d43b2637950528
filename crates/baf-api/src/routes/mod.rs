pub mod applicants;
pub mod service;
