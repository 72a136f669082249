//! Requests generated from the OpenAPI document (every path and method, plus wrong methods,
//! random path parameters, query strings, bodies and headers) against a real server: none
//! may get a 5xx, every error is the API's JSON, and every status is one the document declares
//! for the route (405 for a method the path does not take).

mod common;

use common::*;
use proptest::prelude::*;

fn document() -> serde_json::Value {
    serde_json::from_str(&offtake_server::openapi().to_json().unwrap()).unwrap()
}

fn operations() -> Vec<(String, String)> {
    let doc = document();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    ops
}

/// The statuses the document declares for `method` on the path template `path`; for a method
/// the path does not take, 405 (and 404 when a parameter's value makes the path match no route).
fn declared(doc: &serde_json::Value, method: &str, path: &str) -> Vec<u16> {
    let op = &doc["paths"][path][method.to_lowercase()];
    let mut statuses: Vec<u16> = match op["responses"].as_object() {
        Some(responses) => responses.keys().map(|k| k.parse().unwrap()).collect(),
        None => vec![405],
    };
    if path.contains('{') {
        statuses.push(404);
    }
    statuses
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("amazon-anthropic-2026".to_string()),
        Just("18446744073709551616".to_string()),
        Just("%00".to_string()),
        Just("..".to_string()),
        "[a-zA-Z0-9_%-]{0,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("variant"),
        Just("default"),
        Just("paths"),
        Just("seed"),
        Just("format"),
        Just("file"),
        Just("name"),
        Just("replace"),
        Just("all_combinations"),
        Just("term"),
        Just("paths_file"),
        Just("cancel_on_disconnect"),
        Just("disagreeing"),
        Just("vary"),
        Just("target"),
        Just("range"),
        Just("grid"),
        Just("stream"),
        Just("zz"),
    ];
    let value = prop_oneof![
        Just("1".to_string()),
        Just("true".to_string()),
        Just("buyer=2027-07".to_string()),
        Just("pricing.discount=1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("csv".to_string()),
        Just("take_or_pay.floor".to_string()),
        Just("financeable".to_string()),
        Just("0..1".to_string()),
        Just("monthly".to_string()),
        "[ -~]{0,10}",
    ];
    proptest::collection::vec((key, value), 0..4).prop_map(|kv| {
        kv.iter()
            .map(|(k, v)| {
                let v: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(EXAMPLE.as_bytes().to_vec()),
        // The example with a few bytes changed.
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(at, bytes)| {
            let mut b = EXAMPLE.as_bytes().to_vec();
            let at = at % b.len();
            let end = (at + bytes.len()).min(b.len());
            b.splice(at..end, bytes);
            b
        }),
        // The example cut short.
        any::<usize>().prop_map(|n| EXAMPLE.as_bytes()[..n % EXAMPLE.len()].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..200),
        Just(b"{\"a\": 1}".to_vec()),
        Just(b"deal_id,buyer\nx,y\n".to_vec()),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("application/toml")),
        Just(Some("text/plain; charset=utf-8")),
        Just(Some("application/json")),
        Just(Some("text/csv")),
        Just(Some("multipart/form-data")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_generated_request_gets_a_5xx(
        op in 0usize..1000,
        method in prop_oneof![Just(None), Just(Some("PATCH")), Just(Some("GET")), Just(Some("DELETE")), Just(Some("POST")), Just(Some("PUT"))],
        seg in segment(),
        q in query(),
        body in body(),
        ct in content_type(),
        token in prop_oneof![Just(0u8), Just(1), Just(2)],
    ) {
        let server = SERVER.get_or_init(start);
        let doc = DOC.get_or_init(document);
        let ops = operations();
        let (doc_method, template) = &ops[op % ops.len()];
        let method = method.unwrap_or(doc_method.as_str());
        let path = template.replace("{id}", &seg).replace("{cik}", &seg);
        let url = if q.is_empty() { format!("{}{path}", server.url) } else { format!("{}{path}?{q}", server.url) };
        let tok = match token { 0 => None, 1 => Some(server.token.as_str()), _ => Some("otk_nope") };
        let with_body = matches!(method, "POST" | "PUT");
        let r = send(method, &url, with_body.then_some(body.as_slice()), ct, tok);
        prop_assert!(r.status < 500, "{method} {url}: {} {}", r.status, String::from_utf8_lossy(&r.body));
        if r.status >= 400 {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            prop_assert!(v["error"]["code"].is_string(), "{method} {url}: {v}");
        }
        // Every answer's status is one the document declares for the route.
        let statuses = declared(doc, method, template);
        prop_assert!(
            statuses.contains(&r.status),
            "{method} {url}: {} is not among the document's {statuses:?}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
    }
}

static SERVER: std::sync::OnceLock<Running> = std::sync::OnceLock::new();
static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
