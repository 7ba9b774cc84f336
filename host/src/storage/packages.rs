//! Tenants' plugin packages, content-addressed: each archive is stored once
//! under the sha256 of its bytes, whoever deployed it and through whichever
//! host, so every host of the database can load every deployed version
//! (`plugin_packages`, migration 0014). A deployment names its archive by
//! that digest (`plugin_deployments.package_digest`).

use sha2::{Digest, Sha256};

use super::Db;
use super::rows::{Result, get, int, now, time_text};
use crate::app::ports::{PackageArchive, PackageFormat, PackageUsage, StoreError};

/// Stores `archive` unless its digest is stored already (then the same
/// bytes are). The digest is checked here too: a wrong one would serve
/// other bytes under its name to every host.
pub(super) async fn store(db: &Db, archive: &PackageArchive) -> Result<()> {
    if hex::encode(Sha256::digest(&archive.bytes)) != archive.digest {
        return Err(StoreError::Invalid(format!(
            "package {}: the bytes do not match the digest",
            archive.digest
        )));
    }
    let archive = archive.clone();
    db.write("plugin.package", move |db| async move {
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "INSERT INTO plugin_packages (digest, format, size, content, stored_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest) DO NOTHING",
        )
        .bind(&archive.digest)
        .bind(archive.format.name())
        .bind(int(archive.bytes.len() as u64)?)
        .bind(&archive.bytes[..])
        .bind(time_text(now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The archive stored under `digest`.
pub(super) async fn load(db: &Db, digest: &str) -> Result<Option<PackageArchive>> {
    let Some(row) = sqlx::query("SELECT format, content FROM plugin_packages WHERE digest = $1")
        .bind(digest)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let format: String = get(&row, "format")?;
    let format = PackageFormat::from_name(&format)
        .ok_or_else(|| StoreError::Corrupt(format!("plugin_packages.format: {format:?}")))?;
    let bytes: Vec<u8> = get(&row, "content")?;
    Ok(Some(PackageArchive {
        digest: digest.to_owned(),
        format,
        bytes: bytes.into(),
    }))
}

/// The distinct archives `tenant`'s deployments name, and their size.
pub(super) async fn usage(db: &Db, tenant: &str) -> Result<PackageUsage> {
    let rows = sqlx::query(
        "SELECT p.digest, p.size FROM plugin_packages p WHERE p.digest IN \
         (SELECT d.package_digest FROM plugin_deployments d WHERE d.tenant_id = $1) \
         ORDER BY p.digest",
    )
    .bind(tenant)
    .fetch_all(&db.pool)
    .await?;
    let mut usage = PackageUsage::default();
    for row in &rows {
        let size: i64 = get(row, "size")?;
        usage.bytes += u64::try_from(size)
            .map_err(|_| StoreError::Corrupt(format!("plugin_packages.size: {size}")))?;
        usage.digests.push(get(row, "digest")?);
    }
    Ok(usage)
}

/// Names the stored archive `digest` as the package of the deployments
/// recorded with `package_path` and none yet.
pub(super) async fn attach(db: &Db, package_path: &str, digest: &str) -> Result<u64> {
    let (path, digest) = (package_path.to_owned(), digest.to_owned());
    db.write("plugin.package.attach", move |db| async move {
        let mut tx = db.begin_write().await?;
        let named = sqlx::query(
            "UPDATE plugin_deployments SET package_digest = $1 \
             WHERE package_path = $2 AND package_digest IS NULL",
        )
        .bind(&digest)
        .bind(&path)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(named)
    })
    .await
}
