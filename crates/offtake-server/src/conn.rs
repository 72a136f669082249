//! Accepting and serving connections (HTTP/1.1 with hyper, over TCP or TLS), with the limits that
//! keep one client from holding the server: at most [`Limits::max_connections`] open connections
//! and [`Limits::max_tls_handshakes`] TLS handshakes under way (a connection over either limit is
//! closed at once, unread); a TLS handshake within [`Limits::tls_handshake_timeout`]; each
//! request's head within [`Limits::header_read_timeout`] of when the server starts waiting for it
//! (on a new connection and between the requests of a kept-alive one, so an idle connection is
//! closed after it too); and a connection on which no byte moves either way for
//! [`Limits::idle_timeout`] while no handler is working (a client that stops reading an answer,
//! or stops sending a body) is closed. A streamed answer that keeps sending (a job's events, with
//! their keep-alive comments) is never cut by it.
//!
//! Each connection runs in its own task and holds its permit until it closes, so a slow or silent
//! client holds up no other until the limits are reached.
//!
//! Stopping ([`serve`]'s `shutdown` future ends): the listener is closed at once (new connections
//! are refused), every connection is told to finish the request it is serving and close (an idle
//! one closes now), and what is still open after [`Limits::shutdown_grace`] is dropped.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::{Limits, Stopped};

/// Whether the server is stopping, and how many requests were answered since it began to.
#[derive(Default)]
struct Drain {
    stopping: AtomicBool,
    answered: AtomicUsize,
}

/// Accepts on `listener` and serves `router` on every connection (over TLS with `tls`), until
/// `shutdown` ends; then `on_stop` runs (it cancels the risk jobs and says how many) and the
/// connections drain (module docs).
pub(crate) async fn serve(
    mut listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
    on_stop: impl FnOnce() -> usize,
) -> io::Result<Stopped> {
    let permits = |n: usize| Arc::new(Semaphore::new(n.min(Semaphore::MAX_PERMITS)));
    let (connections, handshakes) = (
        permits(limits.max_connections),
        permits(limits.max_tls_handshakes),
    );
    let drain = Arc::new(Drain::default());
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let shutdown = std::pin::pin!(shutdown);
    let mut shutdown = shutdown;
    loop {
        // axum's accept: it retries (after a pause) on errors such as too many open files.
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next() => continue,
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
        };
        crate::nodelay(&stream);
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::debug!(
                "{peer}: closed at once: {} connections are open (the limit)",
                limits.max_connections
            );
            continue;
        };
        let router = router.clone();
        let (drain, stop_rx) = (Arc::clone(&drain), stop_rx.clone());
        match &tls {
            None => {
                tasks.spawn(async move {
                    connection(stream, peer, router, limits, drain, stop_rx).await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                let Ok(handshake) = Arc::clone(&handshakes).try_acquire_owned() else {
                    tracing::debug!(
                        "{peer}: closed at once: {} TLS handshakes are under way (the limit)",
                        limits.max_tls_handshakes
                    );
                    continue;
                };
                let acceptor = acceptor.clone();
                tasks.spawn(async move {
                    let timeout = limits.tls_handshake_timeout;
                    let accepted = tokio::time::timeout(timeout, acceptor.accept(stream)).await;
                    drop(handshake);
                    match accepted {
                        Ok(Ok(tls)) => {
                            connection(tls, peer, router, limits, drain, stop_rx).await;
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!(
                            "TLS handshake with {peer} took longer than {} s: dropped",
                            timeout.as_secs_f64()
                        ),
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    drain.stopping.store(true, Ordering::SeqCst);
    let jobs_cancelled = on_stop();
    let _ = stop.send(true);
    let grace = limits.shutdown_grace;
    let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    let connections_dropped = tasks.len();
    tasks.abort_all();
    Ok(Stopped {
        requests_answered: drain.answered.load(Ordering::SeqCst),
        connections_dropped,
        jobs_cancelled,
    })
}

/// Serves one connection until it closes, its client stalls past the idle limit, or hyper's
/// header-read timer closes it; once `stop` says so, it finishes the request under way and closes.
async fn connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    drain: Arc<Drain>,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: io,
        activity: Arc::clone(&activity),
    });
    let working = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut router = router.clone();
        let busy = Busy::new(Arc::clone(&working));
        let drain = Arc::clone(&drain);
        async move {
            let _busy = busy;
            let response = tower_service::Service::call(&mut router, request).await;
            if drain.stopping.load(Ordering::SeqCst) {
                drain.answered.fetch_add(1, Ordering::SeqCst);
            }
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut served = std::pin::pin!(builder.serve_connection(io, service));
    let mut stalled = std::pin::pin!(stalled(&activity, limits.idle_timeout));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection with {peer}: {e}");
                }
                return;
            }
            () = stalled.as_mut() => {
                tracing::debug!(
                    "connection with {peer}: nothing moved for {} s: closed",
                    limits.idle_timeout.as_secs_f64()
                );
                return;
            }
            _ = stop.wait_for(|s| *s), if !stopping => {
                // The request under way (if any) is answered, then the connection closes.
                stopping = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests a handler is working on.
struct Activity {
    start: Instant,
    last_millis: AtomicU64,
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_millis: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(now, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// Marks a request as being worked on by its handler (until its answer's head is ready or the
/// request is dropped): its silence is the handler's, bounded by the request time limit.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: Arc<Activity>) -> Busy {
        activity.busy.fetch_add(1, Ordering::Relaxed);
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// Ends when nothing has moved for `idle` while no handler works.
async fn stalled(activity: &Activity, idle: Duration) {
    loop {
        let quiet = activity.quiet_for();
        if quiet >= idle && activity.busy.load(Ordering::Relaxed) == 0 {
            return;
        }
        let wait = if quiet < idle { idle - quiet } else { idle };
        tokio::time::sleep(wait).await;
    }
}

/// An IO that records when bytes move.
struct Tracked<I> {
    inner: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        result
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
