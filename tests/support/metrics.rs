//! `GET /metrics` read as a Prometheus server reads it: parsed by the text
//! format's grammar (the `openmetrics-parser` crate), not by matching lines,
//! so a label value holding `{` and `}` (a route template) or an escaped
//! quote reads as it is.
//!
//! Every host of a test process records into one process-wide recorder, and
//! tests run in parallel, so a test compares two scrapes: what it caused is
//! the difference, whatever other tests added meanwhile.

use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue, Sample};

use crate::server::Server;

/// One parsed scrape.
pub struct Scrape(MetricsExposition<PrometheusType, PrometheusValue>);

/// Scrapes `server`'s `/metrics` (no token: it carries no dossier).
pub async fn scrape(server: &Server) -> Scrape {
    Scrape::at(&server.client, &server.base).await
}

impl Scrape {
    /// Scrapes the `/metrics` of the host at `base` (`http://host:port`),
    /// e.g. a replica process.
    pub async fn at(client: &reqwest::Client, base: &str) -> Scrape {
        let response = client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("GET /metrics");
        assert_eq!(response.status(), 200, "GET /metrics");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "the Prometheus text format, not {content_type}"
        );
        let text = response.text().await.expect("the metrics text");
        match openmetrics_parser::prometheus::parse_prometheus(&text) {
            Ok(exposition) => Scrape(exposition),
            Err(error) => panic!("not a Prometheus text exposition ({error}):\n{text}"),
        }
    }
}

/// The value of label `key` of `sample`.
fn label(sample: &Sample<PrometheusValue>, key: &str) -> Option<String> {
    sample
        .get_labelset()
        .ok()
        .and_then(|labels| labels.get_label_value(key).map(str::to_owned))
}

impl Scrape {
    /// The samples of family `name` whose labels include every pair of
    /// `labels`; none when the family was never recorded.
    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample<PrometheusValue>> {
        self.0
            .families
            .get(name)
            .into_iter()
            .flat_map(|family| family.iter_samples())
            .filter(move |sample| {
                labels
                    .iter()
                    .all(|(key, value)| label(sample, key).as_deref() == Some(*value))
            })
    }

    /// The sum of counter `name` over its series that carry `labels`.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels)
            .map(|sample| match &sample.value {
                PrometheusValue::Counter(counter) => counter.value.as_f64(),
                other => panic!("{name} is not a counter: {other:?}"),
            })
            .sum()
    }

    /// How many observations histogram `name` holds over its series that
    /// carry `labels`, checking on the way that each series' buckets are
    /// cumulative and end at `+Inf` with its count.
    pub fn histogram_count(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels)
            .map(|sample| match &sample.value {
                PrometheusValue::Histogram(histogram) => {
                    let mut buckets = histogram.buckets.clone();
                    buckets.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
                    assert!(
                        buckets
                            .windows(2)
                            .all(|w| w[0].count.as_f64() <= w[1].count.as_f64()),
                        "{name}: buckets not cumulative: {buckets:?}"
                    );
                    let last = buckets.last().expect("a histogram has buckets");
                    assert!(last.upper_bound.is_infinite(), "{name}: no +Inf bucket");
                    let count = histogram.count.expect("a histogram has a count") as f64;
                    assert_eq!(last.count.as_f64(), count, "{name}: +Inf bucket vs count");
                    count
                }
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .sum()
    }

    /// The sum and count of histogram `name` over its series that carry
    /// `labels` (0, 0 when it was never recorded).
    pub fn histogram_sum_count(&self, name: &str, labels: &[(&str, &str)]) -> (f64, f64) {
        self.matching(name, labels)
            .map(|sample| match &sample.value {
                PrometheusValue::Histogram(histogram) => (
                    histogram.sum.as_ref().map_or(0.0, |s| s.as_f64()),
                    histogram.count.unwrap_or(0) as f64,
                ),
                other => panic!("{name} is not a histogram: {other:?}"),
            })
            .fold((0.0, 0.0), |(s, c), (s1, c1)| (s + s1, c + c1))
    }

    /// The values label `key` takes across the series of `name`.
    pub fn label_values(&self, name: &str, key: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .matching(name, &[])
            .filter_map(|sample| label(sample, key))
            .collect();
        values.sort();
        values.dedup();
        values
    }
}
