//! What every handler is given: the application, the key cache, the link signer and the HTTP
//! settings.

use std::sync::Arc;

use axum::extract::FromRef;
use baf_app::App;
use baf_store::Store;

use crate::{KeyCache, LinkSigner};

/// What the HTTP layer needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Largest request body accepted, in bytes (base64 images make bodies large).
    pub body_limit: usize,
    /// How long the verification page's capability stays valid.
    pub link_ttl: chrono::Duration,
    /// How long a client may take to send a body: one trickling bytes would otherwise hold its
    /// connection and its buffer forever.
    pub body_deadline: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`BAF_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `/metrics` is served on its own listener (`BAF_METRICS_LISTEN`), not with the API.
    pub metrics_on_own_listener: bool,
}

#[derive(Clone)]
pub struct AppState {
    /// The use cases and the services they run on.
    pub app: App,
    pub keys: KeyCache,
    pub signer: Arc<LinkSigner>,
    pub config: Arc<ApiConfig>,
}

impl AppState {
    pub fn new(app: App, signer: LinkSigner, config: ApiConfig) -> Self {
        Self {
            app,
            keys: KeyCache::default(),
            signer: Arc::new(signer),
            config: Arc::new(config),
        }
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.app.store.clone()
    }
}

impl FromRef<AppState> for Arc<ApiConfig> {
    fn from_ref(state: &AppState) -> Arc<ApiConfig> {
        Arc::clone(&state.config)
    }
}
