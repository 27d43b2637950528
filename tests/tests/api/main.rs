//! Black-box tests of the BAF API: the real server, a fresh Postgres database per test.

mod accounts;
mod applicants;
mod attempts;
mod blacklist;
mod browser;
mod bucket;
mod documents;
mod embedded;
mod fuzz;
mod isolation;
mod listing;
mod metrics;
mod openapi;
mod profiles;
mod risks;
mod transport;
mod validation;
