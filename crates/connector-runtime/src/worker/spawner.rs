//! The runtime's side of `spawn` steps: a run of a loaded callable flow, queued in the
//! store once per key, linked to the spawning run, and an idle worker woken for it.

use connector_core::Error;
use serde_json::Value;

use crate::flows::{MAX_SPAWN_DEPTH, Spawner, check_input, subject};
use crate::service::Service;
use crate::store::{NewSpawn, Spawned};
use crate::time::now_ms;

/// Spawns runs for the run `parent`.
pub(super) struct StoreSpawner<'a> {
    pub(super) service: &'a Service,
    pub(super) parent: &'a str,
}

#[async_trait::async_trait]
impl Spawner for StoreSpawner<'_> {
    async fn spawn(&self, flow: &str, key: &str, input: &Value) -> Result<String, Error> {
        let Some(target) = self.service.flows().get(flow) else {
            return Err(Error::configuration(format!(
                "no flow named {flow:?} in this runtime to spawn"
            )));
        };
        check_input(target, input)?;
        let subject = subject(target, input);
        let spawned = self
            .service
            .store()
            .spawn(
                &NewSpawn::new(self.parent, target, key, input).with_subject(&subject),
                MAX_SPAWN_DEPTH,
                now_ms(),
            )
            .await
            .map_err(|e| {
                Error::new(
                    connector_core::ErrorKind::Unavailable,
                    format!("cannot start a run of {flow:?}: {e}"),
                )
            })?;
        match spawned {
            Spawned::Run(run_id) => {
                self.service.wake().notify_one();
                Ok(run_id)
            }
            Spawned::TooDeep(depth) => Err(Error::invalid_input(format!(
                "this run is {depth} spawns deep: a spawn may start at most {MAX_SPAWN_DEPTH} runs deep"
            ))
            .with_attempts(0)),
            Spawned::NoParent => Err(Error::configuration(format!(
                "the spawning run {} is not in the store",
                self.parent
            ))),
        }
    }
}
