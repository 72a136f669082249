//! What the OpenAPI document says every route may answer besides its own statuses (declared on
//! its handler): the answers of the layers around the handlers, added to each operation from
//! the route list ([`crate::routes`]), so the document holds every status a route gives.
//!
//! - 400 `bad_query`: every route refuses a query parameter it does not take.
//! - 401 `unauthorized`: writes always; every route on a server off loopback. Writes carry the
//!   bearer `security` requirement; reads carry it as optional (`{}` or bearer), since the
//!   server's address decides (docs/server.md).
//! - 404 `not_found`: a path parameter naming nothing (or a segment the router does not match).
//! - 413 `body_too_large`: a route that reads a body, over its limit.
//! - 415 `unsupported_media_type`: a term-sheet body sent as something else than TOML or text.
//! - 500 `internal` and 503 (`timeout`, `busy`, `stopping`, `out_of_memory`): any route.
//!
//! A method a path does not take is 405 `method_not_allowed`; it has no operation to hang on,
//! so the document's description says so.

use utoipa::openapi::content::Content;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi, Ref, RefOr};

use crate::{Access, Body, Route};

/// A shared response: its component name, status and description.
struct Shared {
    name: &'static str,
    status: &'static str,
    description: &'static str,
}

const BAD_QUERY: Shared = Shared {
    name: "BadQuery",
    status: "400",
    description: "`bad_query`: a query parameter the route does not take (every route refuses \
                  one), or a malformed one.",
};
const UNAUTHORIZED: Shared = Shared {
    name: "Unauthorized",
    status: "401",
    description: "`unauthorized`: the bearer token is missing or wrong. Writes always need it; \
                  on a server off loopback (TLS or --insecure) every route does.",
};
const NOT_FOUND: Shared = Shared {
    name: "NotFound",
    status: "404",
    description: "`not_found`: nothing has this id, or the path does not name a route.",
};
const TOO_LARGE: Shared = Shared {
    name: "BodyTooLarge",
    status: "413",
    description: "`body_too_large`: the body is over the route's limit (docs/server.md: limits).",
};
const NOT_TOML: Shared = Shared {
    name: "NotToml",
    status: "415",
    description: "`unsupported_media_type`: the Content-Type says the body is not TOML \
                  (application/toml, text/toml, text/plain or none are read).",
};
const INTERNAL: Shared = Shared {
    name: "Internal",
    status: "500",
    description: "`internal`: the server failed (the details are in its log).",
};
const UNAVAILABLE: Shared = Shared {
    name: "Unavailable",
    status: "503",
    description: "`timeout`: the request took longer than the server's --timeout; `busy`: the \
                  database stayed locked (nothing was written); `stopping`: a risk job asked \
                  for while the server stops; `out_of_memory`: a risk solve's table does not fit.",
};

const ALL: [Shared; 7] = [
    BAD_QUERY,
    UNAUTHORIZED,
    NOT_FOUND,
    TOO_LARGE,
    NOT_TOML,
    INTERNAL,
    UNAVAILABLE,
];

/// What the document's description adds.
pub(crate) const NOTE: &str = " Every error is `{\"error\": {\"code\", \"message\", \
    \"diagnostics\"}}` with a stable code (docs/server.md). A method a path does not take is \
    405 `method_not_allowed`; any route may answer 401 off loopback, 500, and 503 (time limit, \
    busy database).";

/// Adds the shared responses to the components and to every route's operation, and each
/// route's security requirement.
pub(crate) fn add_shared(doc: &mut OpenApi, routes: &[Route]) {
    let components = doc.components.get_or_insert_with(Default::default);
    for s in ALL {
        let mut response = Response::new(s.description);
        response.content.insert(
            "application/json".to_string(),
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        );
        components
            .responses
            .insert(s.name.to_string(), RefOr::T(response));
    }
    for route in routes {
        let Some(item) = doc.paths.paths.get_mut(route.path) else {
            continue;
        };
        let op = match route.method.as_str() {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "PUT" => item.put.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        let Some(op) = op else { continue };
        let mut shared = vec![BAD_QUERY, UNAUTHORIZED, INTERNAL, UNAVAILABLE];
        if route.path.contains('{') {
            shared.push(NOT_FOUND);
        }
        if route.body != Body::None {
            shared.push(TOO_LARGE);
        }
        if route.body == Body::TermSheet {
            shared.push(NOT_TOML);
        }
        for s in shared {
            add(op, &s);
        }
        let bearer = SecurityRequirement::new("bearer", Vec::<String>::new());
        op.security = Some(match route.access {
            Access::Write => vec![bearer],
            Access::Read => vec![SecurityRequirement::default(), bearer],
        });
    }
}

/// `s` on `op`, unless the route declares that status itself (with its own description). The
/// 401 is always the shared one: when it applies is the server's, not the route's.
fn add(op: &mut Operation, s: &Shared) {
    let responses = &mut op.responses.responses;
    if s.status == UNAUTHORIZED.status || !responses.contains_key(s.status) {
        responses.insert(
            s.status.to_string(),
            RefOr::Ref(Ref::from_response_name(s.name)),
        );
    }
}
