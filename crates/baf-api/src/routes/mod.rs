pub mod applicants;
pub mod attempts;
pub mod blacklist;
pub mod embedded;
pub mod risks;
pub mod service;
pub mod validation;
