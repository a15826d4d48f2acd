//! `pipedrive pipeline <ID>` and `pipedrive stage <ID>`: one object as a JSON line or a CSV row.

use serde_json::value::RawValue;
use serde_json::Value;

use crate::api::client::Envelope;
use crate::api::pages::{self, ListPlan};
use crate::api::resources::{self, Paging};
use crate::auth::session::Session;
use crate::choices::Format;
use crate::cli::{PipelineArgs, StageArgs};
use crate::error::{Error, Result};
use crate::output;
use crate::settings::Settings;

pub(crate) async fn pipeline(settings: &Settings, args: &PipelineArgs) -> Result<()> {
    let json = Session::run(settings, async |session| {
        fetch_pipeline(session, args).await
    })
    .await?;
    print(args.format, &json)
}

pub(crate) async fn stage(settings: &Settings, args: &StageArgs) -> Result<()> {
    let raw = Session::run(settings, async |session| {
        fetch_one(
            session,
            "stage",
            "/api/v2/stages",
            args.id,
            resources::STAGE_SCOPES,
        )
        .await
    })
    .await?;
    print(args.format, raw.get())
}

async fn fetch_one(
    session: &Session,
    what: &str,
    base: &str,
    id: u64,
    scopes: &[&str],
) -> Result<Box<RawValue>> {
    session.require(scopes, &format!("reading a {what}"))?;
    let path = format!("{base}/{id}");
    let env: Envelope<Box<RawValue>> = match session.client.get(&path, &[]).await {
        Err(Error::NotFound(_)) => return Err(Error::NotFound(format!("{what} {id} not found"))),
        other => other?,
    };
    match env.data {
        Some(d) if d.get() != "null" => Ok(d),
        _ => Err(Error::NotFound(format!("{what} {id} not found"))),
    }
}

async fn fetch_pipeline(session: &Session, args: &PipelineArgs) -> Result<String> {
    let raw = fetch_one(
        session,
        "pipeline",
        "/api/v2/pipelines",
        args.id,
        resources::PIPELINE_SCOPES,
    )
    .await?;
    if !args.stages {
        return Ok(raw.get().to_string());
    }
    let mut pipeline: Value = serde_json::from_str(raw.get())
        .map_err(|e| Error::Other(format!("pipeline {} is not a JSON object: {e}", args.id)))?;
    let plan = ListPlan {
        path: "/api/v2/stages",
        paging: Paging::Cursor,
        limit: 500,
        filters: vec![("pipeline_id", args.id.to_string())],
        concurrency: 1,
        max: None,
    };
    let mut rx = pages::stream(session.client.clone(), plan);
    let mut stages = Vec::new();
    while let Some(page) = rx.recv().await {
        for rec in page?.records() {
            stages.push(serde_json::from_str::<Value>(rec).map_err(Error::other)?);
        }
    }
    match pipeline.as_object_mut() {
        Some(obj) => {
            obj.insert("stages".into(), Value::Array(stages));
        }
        None => {
            return Err(Error::Other(format!(
                "pipeline {} is not a JSON object",
                args.id
            )))
        }
    }
    Ok(pipeline.to_string())
}

fn print(format: Format, json: &str) -> Result<()> {
    let mut sink = output::sink(format, std::io::stdout(), "stdout".into())?;
    sink.write(json)?;
    sink.finish()
}
