"""The revsync web app: sign-in, the integrations page, OAuth connect, the manager dashboard and
the JSON API (OpenAPI at /api/docs). `create_app(config)` builds it; `revsync web` serves it.

Roles: a manager sees and changes their own account's integrations; a rep gets 403 on every
integration route and on the API, and sees only their own numbers on the dashboard. Every query
is scoped by the signed-in user's account, so no id in a URL reaches another account.
"""

import hmac
import importlib.resources
import importlib.util
import logging
import os
import secrets
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

import anyio
import httpx
from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from oauth_service import charts, connections, oauth
from oauth_service.config import WebConfig
from oauth_service.dashboard import build_dashboard
from oauth_service.database import Database
from oauth_service.sessions import (
    Session,
    create_session,
    end_session,
    load_session,
    login_wait_seconds,
    record_login_attempt,
)
from oauth_service.sync_now import can_sync, start_sync_now
from oauth_service.users import find_user_by_email, password_link_user, password_matches, use_password_link
from revsync.credentials import PROVIDER_NAMES, PROVIDERS
from revsync.errors import RevsyncError

log = logging.getLogger("revsync.web")
HERE = Path(__file__).resolve().parent

# Fixed texts for `?done=` after a redirect: nothing from the query string is echoed into the page.
NOTICES = {
    "connected": "{name} is connected. The first sync starts with the next schedule, or now with Sync now.",
    "disconnected": "{name} is disconnected: its access was revoked and its credentials deleted.",
    "disconnected_unconfirmed": "{name} is disconnected and its credentials deleted, but {name} did not confirm "
                                "the revocation; remove the app in {name}'s settings to be sure.",
    "sync_started": "{name} sync started. This page shows its result when it finishes.",
    "auto_on": "Auto-sync is on for {name}: it syncs every day.",
    "auto_off": "Auto-sync is off for {name}: it syncs only when you click Sync now.",
    "password_set": "Your password is set. Sign in with it.",
}
# A pre-session form (sign in, set password) posted without this browser's form token.
FORM_EXPIRED = "This form expired or came from another site. Try again on this page."


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else (another host, a scheme, `//host`,
    backslashes) becomes `/`, so `next=` is never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def exact_time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


# --- JSON API models ------------------------------------------------------------------------------


class MeOut(BaseModel):
    email: str
    display_name: str | None
    role: str
    account_id: str
    account_name: str


class LastSyncOut(BaseModel):
    sync_id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    records_synced: int | None
    error: str | None


class ConnectionOut(BaseModel):
    provider: str
    name: str
    status: str
    status_label: str
    auth_type: str | None
    external_account_id: str | None
    scopes: list[str]
    missing_scopes: list[str]
    auto_sync: bool
    last_error: str | None
    token_expires_at: datetime | None
    records: int
    last_sync: LastSyncOut | None
    last_success_at: datetime | None


class SyncLogOut(BaseModel):
    sync_id: int
    provider: str
    status: str
    trigger: str | None
    started_at: datetime
    finished_at: datetime | None
    records_synced: int | None
    api_calls: int | None
    rate_limited: int | None
    error: str | None


class RepMetricsOut(BaseModel):
    rep: str
    email: str | None
    dials: int
    connects: int
    conversations: int | None
    meetings: int
    connect_rate: float | None
    meeting_rate: float | None
    dial_to_meeting_rate: float | None
    last_activity_at: datetime | None
    weekly_dials: list[int]


class MetricsOut(BaseModel):
    start: date
    end: date
    source: str | None
    note: str | None
    weeks: list[date]
    weekly: dict[str, list[int]]
    reps: list[RepMetricsOut]


def _connection_out(view: connections.ConnectionView) -> ConnectionOut:
    last = view.last_sync
    return ConnectionOut(
        provider=view.provider, name=view.name, status=view.status_key, status_label=view.status_label,
        auth_type=view.auth_type, external_account_id=view.external_account_id, scopes=list(view.scopes),
        missing_scopes=list(view.missing_scopes), auto_sync=view.auto_sync, last_error=view.last_error,
        token_expires_at=view.token_expires_at, records=view.records, last_success_at=view.last_success_at,
        last_sync=LastSyncOut(sync_id=last.sync_id, status=last.status, started_at=last.started_at,
                              finished_at=last.finished_at, records_synced=last.records_synced,
                              error=last.error) if last else None,
    )


# --- the app --------------------------------------------------------------------------------------


def create_app(config: WebConfig, *, db_pool_size: int = 16) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Request threads beyond the database pool would only wait for a connection, and every
        # runnable thread more makes each wait longer for Python's GIL: as many threads as connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = db_pool_size
        yield
        app.state.http.close()
        app.state.db.close()

    app = FastAPI(
        title="revsync", summary="Integrations and rep metrics of your revsync account.",
        description="Sign in on the web page first: the API uses the same session cookie. Managers only; "
                    "secrets (tokens, API keys) are never part of any answer.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan,
    )
    app.state.config = config
    app.state.database_url = config.database_url
    app.state.db = db = Database(config.database_url, size=db_pool_size)
    app.state.http = http = httpx.Client(timeout=20)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(ago=relative_time, exact=exact_time, percent=percent)
    templates.env.globals.update(provider_names=PROVIDER_NAMES)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # Swagger UI's own files (the fastapi-offline package ships them), so the docs work offline.
    app.mount("/api/docs/assets", StaticFiles(directory=str(importlib.resources.files("fastapi_offline") / "static")),
              name="swagger-ui")
    cookie_name = "__Host-revsync_session" if config.secure_cookies else "revsync_session"
    # Forms shown before a session exists (sign in, set password) are bound to this browser by a
    # random token in a cookie of its own, posted back in the form (double submit): another site
    # can make a browser post the form but can neither read nor set the cookie.
    form_cookie_name = "__Host-revsync_form" if config.secure_cookies else "revsync_form"

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # The callback URL carries the code and state: never sent on as a Referer.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith(("/static", "/api/docs")):
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'; form-action 'self'",
            )
            response.headers.setdefault("Cache-Control", "no-store")
        elif request.url.path == "/api/docs":  # Swagger UI starts from an inline script: only framing is barred
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response

    # --- sessions and roles ---

    def session_of(request: Request) -> Session | None:
        token = request.cookies.get(cookie_name)
        if not token:
            return None
        with db.transaction() as conn:
            return load_session(conn, token)

    def page_user(request: Request) -> Session:
        session = session_of(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, headers={"Location": f"/login?next={quote(target, safe='')}"})
        return session

    def page_manager(session: Annotated[Session, Depends(page_user)]) -> Session:
        if not session.user.is_manager:
            raise HTTPException(403, "Only managers can see and change integrations.")
        return session

    def api_manager(request: Request) -> Session:
        session = session_of(request)
        if session is None:
            raise HTTPException(401, "Sign in first: the API uses the web app's session cookie.")
        if not session.user.is_manager:
            raise HTTPException(403, "The API is for managers.")
        return session

    def check_csrf(session: Session, token: str) -> None:
        if not hmac.compare_digest(session.csrf_token.encode(), (token or "").encode()):
            raise HTTPException(403, "This form expired or came from elsewhere. Reload the page and try again.")

    def form_token(request: Request) -> str:
        """The browser's pre-session form token: its cookie's, or a new one."""
        token = request.cookies.get(form_cookie_name) or ""
        return token if 32 <= len(token) <= 64 else secrets.token_urlsafe(32)

    def form_token_matches(request: Request, posted: str) -> bool:
        cookie = request.cookies.get(form_cookie_name) or ""
        return bool(cookie) and hmac.compare_digest(cookie.encode(), (posted or "").encode())

    def render_form(request: Request, name: str, status_code: int = 200, headers: dict[str, str] | None = None,
                    **context):
        """A pre-session form page carrying the browser's form token (set as its cookie)."""
        token = form_token(request)
        response = render(request, name, None, status_code=status_code, headers=headers, csrf_token=token, **context)
        if token != request.cookies.get(form_cookie_name):
            response.set_cookie(form_cookie_name, token, path="/", secure=config.secure_cookies, httponly=True,
                                samesite="lax")
        return response

    def check_provider(provider: str) -> str:
        if provider not in PROVIDERS:
            raise HTTPException(404, "No such integration.")
        return provider

    def render(request: Request, name: str, session: Session | None, status_code: int = 200,
               headers: dict[str, str] | None = None, **context):
        return templates.TemplateResponse(request, name, {"session": session, "config": config, **context},
                                          status_code=status_code, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 303 and exc.headers and "Location" in exc.headers:
            return RedirectResponse(exc.headers["Location"], status_code=303)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", None, status_code=exc.status_code,
                      title={403: "Not allowed", 404: "Not found", 429: "Too many attempts"}.get(
                          exc.status_code, "Something went wrong"),
                      message=exc.detail, headers=exc.headers)

    # --- sign in ---

    @app.get("/", include_in_schema=False)
    def home(session: Annotated[Session, Depends(page_user)]):
        return RedirectResponse("/integrations" if session.user.is_manager else "/dashboard", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        with db.transaction() as conn, conn.cursor() as cur:
            cur.execute("select 1")
        return {"ok": True}

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/", done: str | None = None):
        notice = NOTICES.get(done or "", "").format(name="") or None
        return render_form(request, "login.html", next=safe_next(next), notice=notice)

    # Password checks (argon2, tens of milliseconds of CPU each) use at most half the CPUs, so a
    # rush of sign-ins leaves CPU for page loads; sign-ins waiting for one hold no thread of the pool.
    password_checks = anyio.CapacityLimiter(max(1, (os.cpu_count() or 2) // 2))

    def login_lookup(email: str, client_ip: str) -> tuple[int, tuple | None]:
        with db.transaction() as conn:
            wait = login_wait_seconds(conn, email, client_ip, window_minutes=config.login_window_minutes,
                                      per_email=config.login_failures_per_email,
                                      per_address=config.login_failures_per_address)
            return wait, find_user_by_email(conn, email) if not wait else None

    def login_outcome(email: str, client_ip: str, user_id: str | None, old_token: str | None) -> str | None:
        """Records the attempt; for a right password (`user_id` given) a new session's cookie token."""
        with db.transaction() as conn:
            record_login_attempt(conn, email, client_ip, user_id is not None)
            if user_id is None:
                return None
            end_session(conn, old_token)
            return create_session(conn, user_id, config.session_hours)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                    next: Annotated[str, Form()] = "/", csrf_token: Annotated[str, Form()] = ""):
        client_ip = request.client.host if request.client else "unknown"
        email = email.strip()[:320]
        if not form_token_matches(request, csrf_token):
            # Checked before the password: a forged sign-in neither signs in nor counts as a failure.
            return render_form(request, "login.html", status_code=403, next=safe_next(next), email=email,
                               error=FORM_EXPIRED)
        wait, found = await run_in_threadpool(login_lookup, email, client_ip)
        if wait:
            minutes = max(1, round(wait / 60))
            plural = "s" if minutes > 1 else ""
            return render_form(request, "login.html", status_code=429, next=safe_next(next), email=email,
                               error=f"Too many failed sign-ins. Try again in {minutes} minute{plural}.",
                               headers={"Retry-After": str(wait)})
        ok = await anyio.to_thread.run_sync(password_matches, found[1] if found else None, password,
                                            limiter=password_checks)
        token = await run_in_threadpool(login_outcome, email, client_ip, found[0].user_id if ok else None,
                                        request.cookies.get(cookie_name))
        if token is None:
            return render_form(request, "login.html", status_code=401, next=safe_next(next), email=email,
                               error="That email and password do not match. Check both and try again.")
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(cookie_name, token, max_age=int(config.session_hours * 3600), path="/",
                            secure=config.secure_cookies, httponly=True, samesite="lax")
        # Signed in: the session's own CSRF token guards the forms from now on.
        response.delete_cookie(form_cookie_name, path="/", secure=config.secure_cookies, httponly=True, samesite="lax")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
        session = session_of(request)
        if session is not None:
            check_csrf(session, csrf_token)
            with db.transaction() as conn:
                end_session(conn, request.cookies.get(cookie_name))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(cookie_name, path="/", secure=config.secure_cookies, httponly=True, samesite="lax")
        return response

    @app.get("/set-password/{token}", response_class=HTMLResponse, include_in_schema=False)
    def set_password_page(request: Request, token: str):
        with db.transaction() as conn:
            user = password_link_user(conn, token)
        if user is None:
            raise HTTPException(404, "This link was used already or has expired. Ask your manager for a new one.")
        return render_form(request, "set_password.html", user=user, token=token)

    @app.post("/set-password/{token}", include_in_schema=False)
    def set_password(request: Request, token: str, password: Annotated[str, Form()] = "",
                     confirm: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
        with db.transaction() as conn:
            user = password_link_user(conn, token)
        if user is None:
            raise HTTPException(404, "This link was used already or has expired. Ask your manager for a new one.")
        if not form_token_matches(request, csrf_token):
            return render_form(request, "set_password.html", status_code=403, user=user, token=token,
                               error=FORM_EXPIRED)
        if password != confirm:
            return render_form(request, "set_password.html", status_code=400, user=user, token=token,
                               error="The two passwords differ. Type the same password twice.")
        try:
            with db.transaction() as conn:
                use_password_link(conn, token, password)
        except RevsyncError as exc:
            return render_form(request, "set_password.html", status_code=400, user=user, token=token,
                               error=str(exc))
        return RedirectResponse("/login?done=password_set", status_code=303)

    # --- integrations ---

    def integrations_page(request: Request, session: Session, *, status_code: int = 200, notice: str | None = None,
                          error: str | None = None, error_provider: str | None = None, sync_started: bool = False):
        with db.transaction() as conn:
            views = connections.account_connections(conn, session.user.account_id)
        return render(request, "integrations.html", session, status_code=status_code, views=views, notice=notice,
                      error=error, error_provider=error_provider, sync_started=sync_started,
                      oauth_ready={p: oauth.oauth_app(config, p) is not None for p in PROVIDERS},
                      syncable={p: can_sync(p) for p in PROVIDERS}, now=datetime.now(UTC))

    @app.get("/integrations", response_class=HTMLResponse, include_in_schema=False)
    def integrations(request: Request, session: Annotated[Session, Depends(page_manager)],
                     done: str | None = None, provider: str | None = None):
        notice = None
        if done in NOTICES and provider in PROVIDERS:
            notice = NOTICES[done].format(name=PROVIDER_NAMES[provider])
        # Reload while a sync runs, and once right after one was started (it may not have logged its start yet).
        return integrations_page(request, session, notice=notice, sync_started=done == "sync_started")

    def back(done: str, provider: str) -> RedirectResponse:
        return RedirectResponse(f"/integrations?done={done}&provider={provider}#{provider}", status_code=303)

    @app.post("/integrations/{provider}/sync", include_in_schema=False)
    def sync_now(request: Request, session: Annotated[Session, Depends(page_manager)],
                 provider: Annotated[str, Depends(check_provider)], csrf_token: Annotated[str, Form()] = ""):
        check_csrf(session, csrf_token)
        account_id = session.user.account_id
        with db.transaction() as conn:
            view = next(v for v in connections.account_connections(conn, account_id) if v.provider == provider)
        if not view.is_connected:
            return integrations_page(request, session, status_code=400, error_provider=provider,
                                     error=f"{view.name} is not connected; connect it first.")
        if view.status == "needs_reauth":
            return integrations_page(request, session, status_code=400, error_provider=provider,
                                     error=f"{view.name} needs to be reconnected first.")
        if not can_sync(provider):
            return integrations_page(request, session, status_code=400, error_provider=provider,
                                     error=f"revsync cannot sync {view.name} yet in this version.")
        if view.sync_running:
            return integrations_page(request, session, status_code=409, error_provider=provider,
                                     error=f"A {view.name} sync is already running; it shows here when it ends.")
        start_sync_now(config.database_url, account_id, provider, config.pipelines_dir)
        return back("sync_started", provider)

    @app.post("/integrations/{provider}/auto-sync", include_in_schema=False)
    def auto_sync(request: Request, session: Annotated[Session, Depends(page_manager)],
                  provider: Annotated[str, Depends(check_provider)], csrf_token: Annotated[str, Form()] = "",
                  enabled: Annotated[str, Form()] = "off"):
        check_csrf(session, csrf_token)
        on = enabled == "on"
        try:
            with db.transaction() as conn:
                connections.set_auto_sync(conn, session.user.account_id, provider, on)
        except RevsyncError as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider=provider)
        return back("auto_on" if on else "auto_off", provider)

    @app.post("/integrations/{provider}/disconnect", include_in_schema=False)
    def disconnect(request: Request, session: Annotated[Session, Depends(page_manager)],
                   provider: Annotated[str, Depends(check_provider)], csrf_token: Annotated[str, Form()] = ""):
        check_csrf(session, csrf_token)
        try:
            with db.transaction() as conn:
                warning = connections.disconnect(conn, config, session.user.account_id, provider, http)
        except RevsyncError as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider=provider)
        return back("disconnected_unconfirmed" if warning else "disconnected", provider)

    @app.post("/integrations/aircall/credentials", include_in_schema=False)
    def aircall_credentials(request: Request, session: Annotated[Session, Depends(page_manager)],
                            csrf_token: Annotated[str, Form()] = "", api_id: Annotated[str, Form()] = "",
                            api_token: Annotated[str, Form()] = ""):
        check_csrf(session, csrf_token)
        try:
            with db.transaction() as conn:
                connections.connect_aircall(conn, config, session.user.account_id, api_id, api_token, http)
                connections.set_auto_sync(conn, session.user.account_id, "aircall", True)
        except RevsyncError as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider="aircall")
        return back("connected", "aircall")

    @app.post("/integrations/fathom/api-key", include_in_schema=False)
    def fathom_api_key(request: Request, session: Annotated[Session, Depends(page_manager)],
                       csrf_token: Annotated[str, Form()] = "", api_key: Annotated[str, Form()] = ""):
        check_csrf(session, csrf_token)
        try:
            with db.transaction() as conn:
                connections.connect_fathom_key(conn, config, session.user.account_id, api_key, http)
                connections.set_auto_sync(conn, session.user.account_id, "fathom", True)
        except RevsyncError as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider="fathom")
        return back("connected", "fathom")

    # --- OAuth ---

    @app.get("/connect/{provider}", include_in_schema=False)
    def connect(request: Request, session: Annotated[Session, Depends(page_manager)],
                provider: Annotated[str, Depends(check_provider)]):
        try:
            with db.transaction() as conn:
                url = oauth.begin(conn, config, provider=provider, account_id=session.user.account_id,
                                  user_id=session.user.user_id, session_hash=session.session_hash)
        except RevsyncError as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider=provider)
        return RedirectResponse(url, status_code=303)

    @app.get("/callback/{provider}", include_in_schema=False)
    def callback(request: Request, session: Annotated[Session, Depends(page_manager)],
                 provider: Annotated[str, Depends(check_provider)]):
        with db.transaction() as conn:
            spent = oauth.spend_state(conn, request.query_params.get("state"), provider=provider,
                                      account_id=session.user.account_id, session_hash=session.session_hash)
        try:
            with db.transaction() as conn:
                oauth.complete(conn, config, provider=provider, params=request.query_params,
                               account_id=session.user.account_id, spent=spent, http=http)
        except oauth.OAuthRefused as exc:
            return integrations_page(request, session, status_code=400, error=str(exc), error_provider=provider)
        return back("connected", provider)

    # --- dashboard ---

    def period(days: int | None, start: date | None, end: date | None) -> tuple[date, date]:
        today = datetime.now(UTC).date()
        end = end or today
        start = start or end - timedelta(days=(days or 30) - 1)
        if start > end:
            raise HTTPException(400, "The period's start is after its end.")
        if (end - start).days > 366:
            raise HTTPException(400, "Choose a period of at most a year.")
        return start, end

    @app.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request, session: Annotated[Session, Depends(page_user)],
                  days: Annotated[int | None, Query(ge=1, le=366)] = None,
                  start: date | None = None, end: date | None = None):
        first, last = period(days, start, end)
        with db.transaction() as conn:
            data = build_dashboard(conn, session.user.account_id, first, last,
                                   None if session.user.is_manager else session.user.email)
        chart = charts.weekly_bars(data.weeks, {"Dials": data.weekly["dials"], "Connects": data.weekly["connects"],
                                                "Meetings": data.weekly["meetings"]},
                                   title=f"Team activity per week, {first:%b %d} to {last:%b %d, %Y}")
        sparks = {rep.rep: charts.sparkline([rep.weekly_dials.get(w, 0) for w in data.weeks],
                                            label=f"Dials per week for {rep.rep}") for rep in data.reps}
        return render(request, "dashboard.html", session, data=data, chart=chart, sparks=sparks,
                      days=days if not (start or end) else None)

    # --- JSON API ---

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                                   swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/api/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/api/docs/assets/favicon.png")

    @app.get("/api/me", response_model=MeOut, tags=["account"])
    def api_me(session: Annotated[Session, Depends(api_manager)]):
        """Who is signed in, and their account."""
        user = session.user
        return MeOut(email=user.email, display_name=user.display_name, role=user.role, account_id=user.account_id,
                     account_name=user.account_name)

    @app.get("/api/connections", response_model=list[ConnectionOut], tags=["integrations"])
    def api_connections(session: Annotated[Session, Depends(api_manager)]):
        """One entry per provider (HubSpot, Fathom, Aircall), connected or not: status, records synced,
        the last sync. `status` is `connected`, `needs_reauth`, `error` or `none`."""
        with db.transaction() as conn:
            return [_connection_out(v) for v in connections.account_connections(conn, session.user.account_id)]

    @app.get("/api/sync-log", response_model=list[SyncLogOut], tags=["integrations"])
    def api_sync_log(session: Annotated[Session, Depends(api_manager)], provider: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50):
        """The account's sync attempts, newest first (optionally one provider's)."""
        if provider is not None:
            check_provider(provider)
        with db.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                """
                select sync_id, provider, status, trigger, started_at, finished_at, records_synced, api_calls,
                       rate_limited, error_message
                from app.integration_sync_log
                where account_id = %s and (%s::text is null or provider = %s)
                order by started_at desc, sync_id desc limit %s
                """,
                (session.user.account_id, provider, provider, limit),
            )
            fields = list(SyncLogOut.model_fields)
            return [SyncLogOut(**dict(zip(fields, row, strict=True))) for row in cur.fetchall()]

    @app.get("/api/reps/metrics", response_model=MetricsOut, tags=["dashboard"])
    def api_rep_metrics(session: Annotated[Session, Depends(api_manager)],
                        days: Annotated[int | None, Query(ge=1, le=366)] = None,
                        start: date | None = None, end: date | None = None):
        """Per rep for the period (default: the last 30 days): dials, connects, conversations,
        meetings, the rates dial→connect, connect→meeting and dial→meeting (null when the
        denominator is 0), last activity, and dials per week; plus the team's weekly totals."""
        first, last = period(days, start, end)
        with db.transaction() as conn:
            data = build_dashboard(conn, session.user.account_id, first, last)
        return MetricsOut(
            start=data.start, end=data.end, source=data.source, note=data.note, weeks=data.weeks,
            weekly=data.weekly,
            reps=[RepMetricsOut(rep=r.rep, email=r.email, dials=r.dials, connects=r.connects,
                                conversations=r.conversations, meetings=r.meetings, connect_rate=r.connect_rate,
                                meeting_rate=r.meeting_rate, dial_to_meeting_rate=r.dial_to_meeting_rate,
                                last_activity_at=r.last_activity_at,
                                weekly_dials=[r.weekly_dials.get(w, 0) for w in data.weeks]) for r in data.reps],
        )

    _include_webhooks(app, config.database_url)
    return app


def _include_webhooks(app: FastAPI, database_url: str) -> None:
    """Provider webhook receivers (`oauth_service.webhooks`), when that module is present."""
    if importlib.util.find_spec("oauth_service.webhooks") is None:
        return
    from oauth_service import webhooks

    app.include_router(webhooks.webhook_router(database_url))

