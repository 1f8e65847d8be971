//! Answering a registry's auth challenge: basic credentials, or a bearer token fetched
//! from the challenge's realm (with basic credentials or an identity token) and cached
//! per registry and scope.

use std::time::Duration;

use super::Client;
use super::auth::{AuthHeader, Challenge, Credentials, Secret, TokenResponse, query_escape};
use super::client::{Call, MAX_ERROR_BODY, error_message, is_loopback, strip_query};
use crate::{Error, Result};

impl Client {
    pub(super) fn credentials(&self, call: &Call<'_>) -> Option<&Credentials> {
        self.inner.credentials.find(call.registry, call.repository)
    }

    pub(super) fn auth_for(&self, call: &Call<'_>) -> Option<AuthHeader> {
        let tokens = &self.inner.tokens;
        if tokens.wants_basic(call.registry) {
            let header = self.credentials(call)?.basic_header()?;
            return Some(AuthHeader::Basic(Secret::new(header)));
        }
        tokens
            .token(call.registry, &call.scope_key())
            .map(AuthHeader::Bearer)
    }

    /// Answers a challenge; returns whether the request is worth sending again.
    /// `sent_basic` says whether the challenged request already carried basic
    /// credentials: another thread may have learnt that the registry wants them after
    /// this request left, and then it is worth sending again with them.
    pub(super) fn authenticate(
        &self,
        call: &Call<'_>,
        challenge: &Challenge,
        sent_basic: bool,
    ) -> Result<bool> {
        match challenge {
            Challenge::Basic { .. } => {
                let usable = self
                    .credentials(call)
                    .is_some_and(|c| c.basic_header().is_some());
                if usable && !sent_basic {
                    self.inner.tokens.mark_basic(call.registry);
                    return Ok(true);
                }
                Ok(false)
            }
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let mut scopes = call.scopes.clone();
                if let Some(s) = scope
                    && !scopes.contains(s)
                {
                    scopes.push(s.clone());
                }
                let (token, lifetime) =
                    self.fetch_token(call, realm, service.as_deref(), &scopes)?;
                self.inner
                    .tokens
                    .store(call.registry, &call.scope_key(), token, lifetime);
                Ok(true)
            }
        }
    }

    fn fetch_token(
        &self,
        call: &Call<'_>,
        realm: &str,
        service: Option<&str>,
        scopes: &[String],
    ) -> Result<(Secret, Duration)> {
        let auth_error = |reason: String| Error::Auth {
            what: call.what.to_owned(),
            reason,
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(auth_error(format!(
                "token realm {realm:?} is not an http(s) URL"
            )));
        }
        // Credentials go to a plain-HTTP token service only on this machine or when the
        // user asked for insecure registries.
        if let Some(rest) = realm.strip_prefix("http://") {
            let host = rest.split(['/', '?']).next().unwrap_or_default();
            if !self.inner.insecure && !is_loopback(host) {
                return Err(auth_error(format!(
                    "token realm {} is plain HTTP: refusing to send credentials over it",
                    strip_query(realm)
                )));
            }
        }
        let mut params: Vec<(String, String)> = Vec::new();
        if let Some(s) = service {
            params.push(("service".into(), s.to_owned()));
        }
        for s in scopes {
            params.push(("scope".into(), s.clone()));
        }
        let agent = self.agent_for(realm);
        let creds = self.credentials(call);
        let result = match creds {
            Some(Credentials::IdentityToken(refresh)) => {
                params.push(("grant_type".into(), "refresh_token".into()));
                params.push(("client_id".into(), "kiln".into()));
                params.push(("refresh_token".into(), refresh.expose().to_owned()));
                let form = encode_pairs(&params);
                agent
                    .post(realm)
                    .content_type("application/x-www-form-urlencoded")
                    .send(form.as_bytes())
            }
            _ => {
                let sep = if realm.contains('?') { '&' } else { '?' };
                let url = format!("{realm}{sep}{}", encode_pairs(&params));
                let mut request = agent.get(&url);
                if let Some(header) = creds.and_then(Credentials::basic_header) {
                    request = request.header("Authorization", header);
                }
                request.call()
            }
        };
        let response = result.map_err(|e| Error::Transport {
            what: call.what.to_owned(),
            reason: format!("token service {}: {e}", strip_query(realm)),
        })?;
        let status = response.status().as_u16();
        if status != 200 {
            let message = error_message(response);
            return Err(auth_error(format!(
                "token service {} answered {status}{}",
                strip_query(realm),
                if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                }
            )));
        }
        let mut body = response.into_body();
        let parsed: TokenResponse = body
            .with_config()
            .limit(MAX_ERROR_BODY)
            .read_to_vec()
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            .map_err(|e| auth_error(format!("token service answer unreadable: {e}")))?;
        parsed
            .into_token()
            .ok_or_else(|| auth_error("token service answered without a token".to_owned()))
    }
}

fn encode_pairs(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}
