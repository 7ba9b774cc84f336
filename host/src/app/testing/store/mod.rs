//! [`InMemoryStore`]: every storage port over plain collections behind one
//! mutex.
//!
//! It keeps the rules the ports document, the ones use cases rely on:
//! tenant scoping (another tenant's object is missing), optimistic
//! versions ([`StoreError::Conflict`]), daily dossier codes, the audit
//! chain, all-or-nothing commits, the outbox's per-dossier order. It does
//! not imitate SQL: anything about a real database (locks, drivers,
//! migrations, both backends) is the storage suite's business
//! (`tests/all/storage.rs`).
//!
//! Adding a port method: add it here too, on the same `Inner` collections
//! (a new collection is a new field of `Inner`).

mod dossiers;
mod intake;
mod outbox;
mod statistics;
mod timeline;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use motcua_domain::calendar::CalendarConfig;
use motcua_domain::catalog::Procedure;
use motcua_domain::code::AgencyCode;
use motcua_domain::tenancy::{Agency, Tenant, TenantStatus, User};
use motcua_domain::time::LocalDateTime;

use self::dossiers::DossierRecord;
use self::outbox::OutboxRow;
use crate::app::clock::Clock;
use crate::app::ports::{
    AccountStore, ApiToken, CatalogStore, Deployment, DeploymentStore, EgressGrant,
    MembershipStore, NewDeployment, NewTrustKey, PackageArchive, PackageUsage, StoreError,
    StoreResult, StoredSession, Switch, SwitchBy, SwitchKind, TenantStore, TrustKey, TrustStore,
    new_id,
};

/// Everything stored, as plain collections. A commit works on a copy and
/// swaps it in only when every write succeeded: all or nothing.
#[derive(Clone, Default)]
struct Inner {
    tenants: BTreeMap<String, Tenant>,
    /// By (tenant, code).
    agencies: BTreeMap<(String, String), Agency>,
    /// By id (ids are global, as in the database).
    users: BTreeMap<String, User>,
    tokens: Vec<ApiToken>,
    /// By (tenant, code).
    procedures: BTreeMap<(String, String), Procedure>,
    calendars: BTreeMap<String, CalendarConfig>,
    /// The last number given per (tenant, `{agency}-{yyMMdd}` prefix).
    counters: BTreeMap<(String, String), u32>,
    dossiers: Vec<DossierRecord>,
    /// Document bytes by (tenant, sha256).
    blobs: BTreeMap<(String, String), Vec<u8>>,
    deployments: Vec<Deployment>,
    /// Plugin package archives by digest.
    packages: BTreeMap<String, PackageArchive>,
    egress_grants: Vec<EgressGrant>,
    timeline: Vec<Switch>,
    /// Shadow candidates by (tenant, plugin id).
    shadows: BTreeMap<(String, String), crate::app::ports::Shadow>,
    trust_keys: Vec<TrustKey>,
    outbox: Vec<OutboxRow>,
    /// Officers' agencies by (tenant, user id).
    memberships: BTreeMap<(String, String), Vec<AgencyCode>>,
    /// Console password hashes by user id.
    passwords: BTreeMap<String, String>,
    /// Console sessions by the hash of their secret.
    sessions: BTreeMap<String, StoredSession>,
    /// The intake queue by (tenant, national code).
    intake: BTreeMap<(String, String), crate::app::ports::QueuedSubmission>,
    next_id: i64,
}

impl Inner {
    /// The next row number for outbox entries and notifications.
    fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The storage ports in memory, for fast tests of use cases and routes.
/// Times it stamps (`created_at`, `recorded_at`, ...) come from the clock it
/// is given, so a test pins them.
pub struct InMemoryStore {
    inner: Mutex<Inner>,
    clock: Arc<dyn Clock>,
    /// Commits still to answer with a conflict, as if another request had
    /// changed the dossier first.
    conflicts: Mutex<u32>,
}

impl InMemoryStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Mutex::default(),
            clock,
            conflicts: Mutex::new(0),
        }
    }

    /// The next `n` dossier updates fail with [`StoreError::Conflict`]
    /// without writing anything, as when someone else commits in between.
    pub fn conflict_on_next_updates(&self, n: u32) {
        *self.conflicts.lock().expect("conflict counter") = n;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock already failed; the
        // data is still consistent (commits swap whole copies).
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Now, to the second, as the database stores it.
    fn now(&self) -> LocalDateTime {
        let now = self.clock.now().into_inner();
        now.replace_nanosecond(0).unwrap_or(now).into()
    }
}

#[async_trait]
impl TenantStore for InMemoryStore {
    async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let mut inner = self.lock();
        if inner.tenants.contains_key(&tenant.id) {
            return Err(StoreError::Duplicate {
                what: format!("tenant {}", tenant.id),
            });
        }
        inner.tenants.insert(tenant.id.clone(), tenant.clone());
        Ok(())
    }

    async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>> {
        Ok(self.lock().tenants.get(id).cloned())
    }

    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        Ok(self.lock().tenants.values().cloned().collect())
    }

    async fn set_tenant_status(&self, id: &str, status: TenantStatus) -> StoreResult<()> {
        match self.lock().tenants.get_mut(id) {
            Some(tenant) => {
                tenant.status = status;
                Ok(())
            }
            None => Err(StoreError::NotFound(format!("tenant {id}"))),
        }
    }

    async fn put_agency(&self, agency: &Agency) -> StoreResult<()> {
        self.lock().agencies.insert(
            (agency.tenant.clone(), agency.code.to_string()),
            agency.clone(),
        );
        Ok(())
    }

    async fn agency(&self, tenant: &str, code: &AgencyCode) -> StoreResult<Option<Agency>> {
        let key = (tenant.to_owned(), code.to_string());
        Ok(self.lock().agencies.get(&key).cloned())
    }

    async fn agencies(&self, tenant: &str) -> StoreResult<Vec<Agency>> {
        let inner = self.lock();
        Ok(inner
            .agencies
            .values()
            .filter(|a| a.tenant == tenant)
            .cloned()
            .collect())
    }

    async fn put_user(&self, user: &User) -> StoreResult<()> {
        let mut inner = self.lock();
        if let Some(existing) = inner.users.get(&user.id)
            && existing.tenant != user.tenant
        {
            return Err(StoreError::Duplicate {
                what: format!("user {}", user.id),
            });
        }
        inner.users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    async fn user(&self, tenant: Option<&str>, id: &str) -> StoreResult<Option<User>> {
        let inner = self.lock();
        Ok(inner
            .users
            .get(id)
            .filter(|u| u.tenant.as_deref() == tenant)
            .cloned())
    }

    async fn users(&self, tenant: &str) -> StoreResult<Vec<User>> {
        let inner = self.lock();
        Ok(inner
            .users
            .values()
            .filter(|u| u.tenant.as_deref() == Some(tenant))
            .cloned()
            .collect())
    }

    async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        label: &str,
    ) -> StoreResult<ApiToken> {
        let created_at = self.now();
        let mut inner = self.lock();
        let user = inner
            .users
            .get(user_id)
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        if inner.tokens.iter().any(|t| t.token_hash == token_hash) {
            return Err(StoreError::Duplicate {
                what: "a token with this hash".to_owned(),
            });
        }
        let token = ApiToken {
            id: new_id(),
            user_id: user_id.to_owned(),
            tenant: user.tenant.clone(),
            token_hash: token_hash.to_owned(),
            label: label.to_owned(),
            created_at,
            revoked_at: None,
        };
        inner.tokens.push(token.clone());
        Ok(token)
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<(ApiToken, User)>> {
        let inner = self.lock();
        Ok(inner
            .tokens
            .iter()
            .find(|t| t.token_hash == token_hash && t.revoked_at.is_none())
            .and_then(|t| Some((t.clone(), inner.users.get(&t.user_id)?.clone()))))
    }

    async fn revoke_token(&self, tenant: Option<&str>, token_id: &str) -> StoreResult<()> {
        let now = self.now();
        let mut inner = self.lock();
        let token = inner
            .tokens
            .iter_mut()
            .find(|t| t.id == token_id && t.tenant.as_deref() == tenant)
            .ok_or_else(|| StoreError::NotFound(format!("token {token_id}")))?;
        token.revoked_at.get_or_insert(now);
        Ok(())
    }
}

#[async_trait]
impl CatalogStore for InMemoryStore {
    async fn put_procedure(&self, tenant: &str, procedure: &Procedure) -> StoreResult<()> {
        self.lock().procedures.insert(
            (tenant.to_owned(), procedure.code.clone()),
            procedure.clone(),
        );
        Ok(())
    }

    async fn procedure(&self, tenant: &str, code: &str) -> StoreResult<Option<Procedure>> {
        let key = (tenant.to_owned(), code.to_owned());
        Ok(self.lock().procedures.get(&key).cloned())
    }

    async fn procedures(&self, tenant: &str) -> StoreResult<Vec<Procedure>> {
        let inner = self.lock();
        Ok(inner
            .procedures
            .iter()
            .filter(|((t, _), _)| t == tenant)
            .map(|(_, p)| p.clone())
            .collect())
    }

    async fn delete_procedure(&self, tenant: &str, code: &str) -> StoreResult<()> {
        let key = (tenant.to_owned(), code.to_owned());
        match self.lock().procedures.remove(&key) {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound(format!("procedure {code}"))),
        }
    }

    async fn apply_catalog(
        &self,
        tenant: &str,
        put: &[Procedure],
        delete: &[String],
    ) -> StoreResult<()> {
        let mut inner = self.lock();
        for code in delete {
            inner.procedures.remove(&(tenant.to_owned(), code.clone()));
        }
        for procedure in put {
            inner.procedures.insert(
                (tenant.to_owned(), procedure.code.clone()),
                procedure.clone(),
            );
        }
        Ok(())
    }

    async fn calendar(&self, tenant: &str) -> StoreResult<Option<CalendarConfig>> {
        Ok(self.lock().calendars.get(tenant).cloned())
    }

    async fn put_calendar(&self, tenant: &str, calendar: &CalendarConfig) -> StoreResult<()> {
        self.lock()
            .calendars
            .insert(tenant.to_owned(), calendar.clone());
        Ok(())
    }
}

#[async_trait]
impl DeploymentStore for InMemoryStore {
    async fn record_deployment(
        &self,
        tenant: &str,
        deployment: &NewDeployment,
    ) -> StoreResult<Deployment> {
        let deployed_at = self.now();
        let mut inner = self.lock();
        if inner.deployments.iter().any(|d| {
            d.tenant == tenant
                && d.deployment.plugin_id == deployment.plugin_id
                && d.deployment.version == deployment.version
        }) {
            return Err(StoreError::Duplicate {
                what: format!(
                    "plugin {} version {}",
                    deployment.plugin_id, deployment.version
                ),
            });
        }
        let recorded = Deployment {
            tenant: tenant.to_owned(),
            deployment: deployment.clone(),
            deployed_at,
            active: false,
            activated_at: None,
            previous_version: None,
        };
        inner.deployments.push(recorded.clone());
        Ok(recorded)
    }

    async fn deployments(
        &self,
        tenant: &str,
        plugin_id: Option<&str>,
    ) -> StoreResult<Vec<Deployment>> {
        let inner = self.lock();
        let mut found: Vec<Deployment> = inner
            .deployments
            .iter()
            .filter(|d| d.tenant == tenant)
            .filter(|d| plugin_id.is_none_or(|id| d.deployment.plugin_id == id))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (
                &a.deployment.plugin_id,
                a.deployed_at,
                &a.deployment.version,
            )
                .cmp(&(
                    &b.deployment.plugin_id,
                    b.deployed_at,
                    &b.deployment.version,
                ))
        });
        Ok(found)
    }

    async fn active_deployment(
        &self,
        tenant: &str,
        plugin_id: &str,
    ) -> StoreResult<Option<Deployment>> {
        let inner = self.lock();
        Ok(inner
            .deployments
            .iter()
            .find(|d| d.tenant == tenant && d.deployment.plugin_id == plugin_id && d.active)
            .cloned())
    }

    async fn activate(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Deployment> {
        let mut inner = self.lock();
        let versions = versions_of(&mut inner, tenant, plugin_id);
        let target = versions
            .iter()
            .position(|d| d.deployment.version == version)
            .ok_or_else(|| StoreError::NotFound(format!("plugin {plugin_id} version {version}")))?;
        if versions[target].active {
            return Ok(versions[target].clone());
        }
        let previous = versions
            .iter()
            .find(|d| d.active)
            .map(|d| d.deployment.version.clone());
        let activated = switch_to(versions, target, by.at, Some(previous));
        let kind = SwitchKind::Activation;
        inner.record_switch((tenant, plugin_id), Some(version), kind, by, None);
        Ok(activated)
    }

    async fn rollback(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Deployment> {
        let mut inner = self.lock();
        let versions = versions_of(&mut inner, tenant, plugin_id);
        let current = versions
            .iter()
            .find(|d| d.active)
            .ok_or_else(|| StoreError::NotFound(format!("an active version of {plugin_id}")))?;
        let previous = current.previous_version.clone().ok_or_else(|| {
            StoreError::NotFound(format!("a version of {plugin_id} to roll back to"))
        })?;
        let target = versions
            .iter()
            .position(|d| d.deployment.version == previous)
            .ok_or_else(|| {
                StoreError::NotFound(format!("plugin {plugin_id} version {previous}"))
            })?;
        let activated = switch_to(versions, target, by.at, None);
        let kind = SwitchKind::Rollback;
        inner.record_switch((tenant, plugin_id), Some(&previous), kind, by, None);
        Ok(activated)
    }

    async fn deactivate(
        &self,
        tenant: &str,
        plugin_id: &str,
        by: SwitchBy<'_>,
    ) -> StoreResult<Option<Deployment>> {
        let mut inner = self.lock();
        let active = versions_of(&mut inner, tenant, plugin_id)
            .into_iter()
            .find(|d| d.active)
            .map(|d| {
                d.active = false;
                d.clone()
            });
        if active.is_some() {
            let kind = SwitchKind::Withdrawal;
            inner.record_switch((tenant, plugin_id), None, kind, by, None);
        }
        Ok(active)
    }

    async fn timeline(&self, tenant: &str, plugin_id: Option<&str>) -> StoreResult<Vec<Switch>> {
        Ok(self.lock().timeline_of(tenant, plugin_id))
    }

    async fn schedule(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: &str,
        effective_at: LocalDateTime,
        by: SwitchBy<'_>,
    ) -> StoreResult<Switch> {
        let mut inner = self.lock();
        if !versions_of(&mut inner, tenant, plugin_id)
            .iter()
            .any(|d| d.deployment.version == version)
        {
            return Err(StoreError::NotFound(format!(
                "plugin {plugin_id} version {version}"
            )));
        }
        let kind = SwitchKind::Scheduled;
        let scheduled = Some(effective_at);
        Ok(inner.record_switch((tenant, plugin_id), Some(version), kind, by, scheduled))
    }

    async fn reschedule(
        &self,
        tenant: &str,
        id: i64,
        effective_at: LocalDateTime,
    ) -> StoreResult<Switch> {
        let mut inner = self.lock();
        let pending = inner.pending_schedule(tenant, id)?;
        pending.effective_at = effective_at;
        Ok(pending.clone())
    }

    async fn cancel_schedule(&self, tenant: &str, id: i64) -> StoreResult<Switch> {
        let mut inner = self.lock();
        let cancelled = inner.pending_schedule(tenant, id)?.clone();
        inner.timeline.retain(|s| s.id != id);
        Ok(cancelled)
    }

    async fn shadow(
        &self,
        tenant: &str,
        plugin_id: &str,
    ) -> StoreResult<Option<crate::app::ports::Shadow>> {
        let key = (tenant.to_owned(), plugin_id.to_owned());
        Ok(self.lock().shadows.get(&key).cloned())
    }

    async fn set_shadow(
        &self,
        tenant: &str,
        plugin_id: &str,
        version: Option<&str>,
        by: SwitchBy<'_>,
    ) -> StoreResult<Option<crate::app::ports::Shadow>> {
        let mut inner = self.lock();
        let key = (tenant.to_owned(), plugin_id.to_owned());
        let Some(version) = version else {
            inner.shadows.remove(&key);
            return Ok(None);
        };
        if !versions_of(&mut inner, tenant, plugin_id)
            .iter()
            .any(|d| d.deployment.version == version)
        {
            return Err(StoreError::NotFound(format!(
                "plugin {plugin_id} version {version}"
            )));
        }
        let shadow = crate::app::ports::Shadow {
            tenant: tenant.to_owned(),
            plugin_id: plugin_id.to_owned(),
            version: version.to_owned(),
            started_by: by.user.to_owned(),
            started_at: by.at,
        };
        inner.shadows.insert(key, shadow.clone());
        Ok(Some(shadow))
    }

    async fn due_schedules(&self, now: LocalDateTime) -> StoreResult<Vec<Switch>> {
        Ok(self.lock().due(now))
    }

    async fn apply_schedule(
        &self,
        tenant: &str,
        id: i64,
        now: LocalDateTime,
    ) -> StoreResult<Option<Deployment>> {
        self.lock().apply_schedule(tenant, id, now)
    }

    async fn store_package(&self, archive: &PackageArchive) -> StoreResult<()> {
        self.lock()
            .packages
            .entry(archive.digest.clone())
            .or_insert_with(|| archive.clone());
        Ok(())
    }

    async fn package(&self, digest: &str) -> StoreResult<Option<PackageArchive>> {
        Ok(self.lock().packages.get(digest).cloned())
    }

    async fn package_usage(&self, tenant: &str) -> StoreResult<PackageUsage> {
        let inner = self.lock();
        let mut digests: Vec<String> = inner
            .deployments
            .iter()
            .filter(|d| d.tenant == tenant)
            .filter_map(|d| d.deployment.package_digest.clone())
            .collect();
        digests.sort();
        digests.dedup();
        let bytes = digests
            .iter()
            .filter_map(|digest| inner.packages.get(digest))
            .map(|archive| archive.bytes.len() as u64)
            .sum();
        Ok(PackageUsage { bytes, digests })
    }

    async fn attach_package(&self, package_path: &str, digest: &str) -> StoreResult<u64> {
        let mut named = 0;
        for deployment in &mut self.lock().deployments {
            let recorded = &mut deployment.deployment;
            if recorded.package_path == package_path && recorded.package_digest.is_none() {
                recorded.package_digest = Some(digest.to_owned());
                named += 1;
            }
        }
        Ok(named)
    }

    async fn egress_grants(&self, tenant: Option<&str>) -> StoreResult<Vec<EgressGrant>> {
        Ok(self
            .lock()
            .egress_grants
            .iter()
            .filter(|g| tenant.is_none_or(|t| g.tenant == t))
            .cloned()
            .collect())
    }

    async fn set_egress_grants(
        &self,
        tenant: &str,
        plugin_id: &str,
        destinations: &[String],
        granted_by: &str,
    ) -> StoreResult<Vec<EgressGrant>> {
        let granted_at = self.now();
        let mut inner = self.lock();
        let mine = |g: &EgressGrant| g.tenant == tenant && g.plugin_id == plugin_id;
        inner
            .egress_grants
            .retain(|g| !mine(g) || destinations.contains(&g.destination));
        for destination in destinations {
            if !inner
                .egress_grants
                .iter()
                .any(|g| mine(g) && &g.destination == destination)
            {
                inner.egress_grants.push(EgressGrant {
                    tenant: tenant.into(),
                    plugin_id: plugin_id.into(),
                    destination: destination.clone(),
                    granted_by: granted_by.into(),
                    granted_at,
                });
            }
        }
        let mut grants: Vec<EgressGrant> = inner
            .egress_grants
            .iter()
            .filter(|g| mine(g))
            .cloned()
            .collect();
        grants.sort_by(|a, b| a.destination.cmp(&b.destination));
        Ok(grants)
    }
}

fn versions_of<'a>(inner: &'a mut Inner, tenant: &str, plugin_id: &str) -> Vec<&'a mut Deployment> {
    inner
        .deployments
        .iter_mut()
        .filter(|d| d.tenant == tenant && d.deployment.plugin_id == plugin_id)
        .collect()
}

/// Deactivates whatever is active and activates `versions[target]`; an
/// activation records the version it replaces (`Some`), a rollback keeps
/// the target's history (`None`).
fn switch_to(
    mut versions: Vec<&mut Deployment>,
    target: usize,
    now: LocalDateTime,
    previous: Option<Option<String>>,
) -> Deployment {
    for version in versions.iter_mut() {
        version.active = false;
    }
    let activated = &mut versions[target];
    activated.active = true;
    activated.activated_at = Some(now);
    if let Some(previous) = previous {
        activated.previous_version = previous;
    }
    activated.clone()
}

#[async_trait]
impl MembershipStore for InMemoryStore {
    async fn agencies_of(&self, tenant: &str, user_id: &str) -> StoreResult<Vec<AgencyCode>> {
        let inner = self.lock();
        let key = (tenant.to_owned(), user_id.to_owned());
        Ok(inner.memberships.get(&key).cloned().unwrap_or_default())
    }

    async fn set_agencies(
        &self,
        tenant: &str,
        user_id: &str,
        agencies: &[AgencyCode],
    ) -> StoreResult<()> {
        let mut sorted = agencies.to_vec();
        sorted.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        sorted.dedup();
        let key = (tenant.to_owned(), user_id.to_owned());
        self.lock().memberships.insert(key, sorted);
        Ok(())
    }
}

#[async_trait]
impl AccountStore for InMemoryStore {
    async fn set_password(&self, user_id: &str, password_hash: &str) -> StoreResult<()> {
        let mut inner = self.lock();
        if !inner.users.contains_key(user_id) {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        inner
            .passwords
            .insert(user_id.to_owned(), password_hash.to_owned());
        Ok(())
    }

    async fn user_with_password(&self, user_id: &str) -> StoreResult<Option<(User, String)>> {
        let inner = self.lock();
        Ok(inner
            .users
            .get(user_id)
            .zip(inner.passwords.get(user_id))
            .map(|(user, hash)| (user.clone(), hash.clone())))
    }

    async fn create_session(&self, session: &StoredSession) -> StoreResult<()> {
        self.lock()
            .sessions
            .insert(session.id_hash.clone(), session.clone());
        Ok(())
    }

    async fn session(
        &self,
        id_hash: &str,
        now: LocalDateTime,
    ) -> StoreResult<Option<(StoredSession, User)>> {
        let inner = self.lock();
        Ok(inner
            .sessions
            .get(id_hash)
            .filter(|session| session.expires_at > now)
            .and_then(|session| {
                let user = inner.users.get(&session.user_id)?;
                Some((session.clone(), user.clone()))
            }))
    }

    async fn delete_session(&self, id_hash: &str, now: LocalDateTime) -> StoreResult<()> {
        self.lock()
            .sessions
            .retain(|hash, session| hash != id_hash && session.expires_at > now);
        Ok(())
    }
}

#[async_trait]
impl TrustStore for InMemoryStore {
    async fn add_key(&self, key: &NewTrustKey) -> StoreResult<TrustKey> {
        let added_at = self.now();
        let mut inner = self.lock();
        if inner
            .trust_keys
            .iter()
            .any(|k| k.tenant == key.tenant && k.key_id == key.key_id)
        {
            return Err(StoreError::Duplicate {
                what: format!("key {}", key.key_id),
            });
        }
        let stored = TrustKey {
            tenant: key.tenant.clone(),
            key_id: key.key_id.clone(),
            public_key: key.public_key.clone(),
            label: key.label.clone(),
            added_by: key.added_by.clone(),
            added_at,
            revoked_by: None,
            revoked_at: None,
        };
        inner.trust_keys.push(stored.clone());
        Ok(stored)
    }

    async fn keys(&self, tenant: Option<&str>) -> StoreResult<Vec<TrustKey>> {
        Ok(self
            .lock()
            .trust_keys
            .iter()
            .filter(|k| k.tenant.as_deref() == tenant)
            .cloned()
            .collect())
    }

    async fn all_keys(&self) -> StoreResult<Vec<TrustKey>> {
        Ok(self.lock().trust_keys.clone())
    }

    async fn revoke_key(
        &self,
        tenant: Option<&str>,
        key_id: &str,
        revoked_by: &str,
    ) -> StoreResult<TrustKey> {
        let at = self.now();
        let mut inner = self.lock();
        let key = inner
            .trust_keys
            .iter_mut()
            .find(|k| k.tenant.as_deref() == tenant && k.key_id == key_id)
            .ok_or_else(|| StoreError::NotFound(format!("key {key_id}")))?;
        if key.revoked_at.is_none() {
            key.revoked_at = Some(at);
            key.revoked_by = Some(revoked_by.to_owned());
        }
        Ok(key.clone())
    }
}

/// Nothing to migrate in memory: it always answers, always current.
#[async_trait]
impl crate::app::ports::SchemaProbe for InMemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn schema(&self) -> StoreResult<crate::app::ports::SchemaState> {
        Ok(crate::app::ports::SchemaState::default())
    }
}
