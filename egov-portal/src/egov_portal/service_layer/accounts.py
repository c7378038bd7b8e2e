"""Registration (step 0), authorisation (process 1, condition 1, process 2) and sessions."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from egov_kit.clock import now
from egov_kit.documents.gbdfl import LookupResult
from sqlalchemy.exc import IntegrityError

from egov_portal.adapters.passwords import hash_password, verify_password
from egov_portal.adapters.shep import ShepPort
from egov_portal.domain import rules
from egov_portal.domain.errors import (
    AccountLocked,
    AlreadyRegistered,
    ExternalUnavailable,
    PersonDeceased,
    PersonNotFound,
    PortalError,
    UnknownIin,
    WrongPassword,
)
from egov_portal.domain.model import LifeStatus, PersonRecord, Session, User
from egov_portal.service_layer.documents import is_registered
from egov_portal.service_layer.people import lookup_person
from egov_portal.service_layer.tracing import (
    Steps,
    continued,
    current_traceparent,
    parent_carrier,
    portal_span,
)
from egov_portal.service_layer.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("egov_portal")


def token_hash(token: str) -> str:
    """What the database keeps of a session cookie: its SHA-256 (a leaked table opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_matches(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf_token, presented or "")


@dataclass(frozen=True)
class OpenedSession:
    token: str  # the cookie's value; only its hash is stored
    session: Session
    user: User | None = None


@dataclass
class Accounts:
    uow: UnitOfWorkFactory
    shep: Callable[[], ShepPort]
    steps: Steps
    portal_bin: str
    lockout: rules.LockoutPolicy = field(default_factory=rules.LockoutPolicy)
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)

    # --- step 0: registration ---------------------------------------------------------------------
    async def register(
        self, iin: str, password: str, phone: str, *, headers: Mapping[str, str] | None = None
    ) -> User:
        with (
            continued(parent_carrier(headers)),
            portal_span(
                "registration on the portal (before process 1)", service_id=self.steps.service_id
            ) as current,
        ):
            iin = rules.check_iin(iin)
            rules.check_password(password)
            phone = rules.normalise_phone(phone)
            with self.uow() as uow:
                if uow.users.get(iin) is not None:
                    raise _already_registered()
            person = await self._person_for_registration(iin)
            current.set_attribute("egov.gbdfl.result", "found")
            password_hash = await asyncio.to_thread(hash_password, password)
            moment = now()
            user = User(
                iin=iin,
                password_hash=password_hash,
                phone=phone,
                person=person,
                registered_at=moment,
                person_checked_at=moment,
            )
            try:
                with self.uow() as uow:
                    uow.users.add(user)
            except IntegrityError as exc:  # registered concurrently since the check above
                raise _already_registered() from exc
            return user

    async def _person_for_registration(self, iin: str) -> PersonRecord:
        answer = await lookup_person(self.shep(), iin, requestor_bin=self.portal_bin)
        lookup = answer.lookup
        if lookup.result is LookupResult.NOT_FOUND:
            raise PersonNotFound(
                "Сведения о физическом лице с этим ИИН в ГБД ФЛ отсутствуют: регистрация невозможна",
                "Бұл ЖСН бойынша жеке тұлға туралы мәліметтер ЖТ ММБ-да жоқ: тіркелу мүмкін емес",
            )
        if lookup.result is LookupResult.DECEASED:
            raise PersonDeceased(
                "По данным ГБД ФЛ физическое лицо с этим ИИН умерло: регистрация невозможна",
                "ЖТ ММБ деректері бойынша бұл ЖСН иесі қайтыс болған: тіркелу мүмкін емес",
            )
        if lookup.result is not LookupResult.FOUND or answer.person is None:
            raise ExternalUnavailable(
                f"ГБД ФЛ ответила: {lookup.message_ru or lookup.code}",
                f"ЖТ ММБ жауабы: {lookup.message_kk or lookup.code}",
            )
        return answer.person

    # --- process 1, condition 1, process 2: authorisation -----------------------------------------
    async def login(
        self,
        iin: str,
        password: str,
        *,
        headers: Mapping[str, str] | None = None,
        service_id: str | None = None,
    ) -> OpenedSession:
        """Authorise and open a session whose trace starts here (or continues the request's).

        ``service_id``: the public service the recipient logs in for (the page they came from, or
        the API's ``serviceId``); its regulation names the spans of process 1, condition 1 and
        process 2 (H1's by default).
        """
        steps = self.steps.of(service_id) if service_id and is_registered(service_id) else self.steps
        with continued(parent_carrier(headers)), steps.step("process 1"):
            traceparent = current_traceparent()
            checked: User | None = None
            refused: PortalError | None = None
            with steps.step("condition 1") as check:
                try:
                    checked = await self._check_credentials(iin, password)
                except PortalError as exc:
                    check.set_attribute("egov.condition.result", "refused")
                    check.set_attribute("egov.refusal.code", exc.code)
                    refused = exc
                else:
                    check.set_attribute("egov.condition.result", "passed")
            if refused is not None or checked is None:
                refusal = refused or UnknownIin("Пользователь не найден", "Пайдаланушы табылмады")
                with steps.step("process 2", attributes={"egov.refusal.code": refusal.code}):
                    raise refusal
            user = await self._refresh_person(checked)
            if user.person.life_status == LifeStatus.DECEASED:
                with steps.step("process 2", attributes={"egov.refusal.code": PersonDeceased.code}):
                    raise PersonDeceased(
                        "По данным ГБД ФЛ владелец ИИН умер: авторизация невозможна",
                        "ЖТ ММБ деректері бойынша ЖСН иесі қайтыс болған: авторизация мүмкін емес",
                    )
            return self._open_session(user.iin, traceparent, user)

    async def _check_credentials(self, iin: str, password: str) -> User:
        iin = iin.strip()
        with self.uow() as uow:
            user = uow.users.get(iin)
        if user is None:
            await asyncio.to_thread(verify_password, None, password)  # the same cost as a real check
            raise UnknownIin(
                "Пользователь с этим ИИН не зарегистрирован на портале",
                "Бұл ЖСН-мен порталда тіркелген пайдаланушы жоқ",
            )
        moment = now()
        if self.lockout.is_locked(user.locked_until, moment):
            raise _locked(user, self.lockout.threshold)
        if await asyncio.to_thread(verify_password, user.password_hash, password):
            if user.failed_logins or user.locked_until is not None:
                user.failed_logins, user.locked_until = 0, None
                with self.uow() as uow:
                    uow.users.save(user)
            return user
        with self.uow() as uow:
            fresh = uow.users.get(iin) or user
            fresh.failed_logins, fresh.locked_until = self.lockout.after_failure(fresh.failed_logins, moment)
            uow.users.save(fresh)
        if fresh.locked_until is not None:
            raise _locked(fresh, self.lockout.threshold)
        left = self.lockout.threshold - fresh.failed_logins
        raise WrongPassword(
            f"Неверный пароль. Осталось попыток до блокировки: {left}",
            f"Құпиясөз қате. Бұғатталғанға дейін қалған әрекет саны: {left}",
        )

    async def _refresh_person(self, user: User) -> User:
        """Refresh the cached ГБД ФЛ record (region for the forms); keep the old one if ШЭП fails."""
        try:
            answer = await lookup_person(self.shep(), user.iin, requestor_bin=self.portal_bin)
        except PortalError as exc:
            log.warning("keeping the cached ГБД ФЛ record of a user: %s", exc.code)
            return user
        if answer.person is None:
            return user
        user.person = answer.person
        user.person_checked_at = now()
        with self.uow() as uow:
            uow.users.save(user)
        return user

    # --- sessions ---------------------------------------------------------------------------------
    def _open_session(
        self, user_iin: str | None, traceparent: str | None, user: User | None = None
    ) -> OpenedSession:
        token = secrets.token_urlsafe(32)
        moment = now()
        session = Session(
            token_hash=token_hash(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=moment,
            last_seen_at=moment,
            expires_at=moment + (self.session_idle if user_iin else timedelta(hours=2)),
            user_iin=user_iin,
            traceparent=traceparent,
        )
        with self.uow() as uow:
            uow.sessions.purge_expired(moment)
            uow.sessions.add(session)
        return OpenedSession(token, session, user)

    def anonymous_session(self) -> OpenedSession:
        """A session before login: it carries the CSRF token of the login and registration forms."""
        return self._open_session(None, None)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie (its idle deadline moved on), or None."""
        if not token or len(token) > 128:
            return None
        key = token_hash(token)
        moment = now()
        with self.uow() as uow:
            session = uow.sessions.get(key)
            if session is None:
                return None
            if session.expires_at <= moment or (
                session.user_iin is not None and moment - session.created_at > self.session_max
            ):
                uow.sessions.delete(key)
                return None
            if session.user_iin is not None and moment - session.last_seen_at > timedelta(seconds=30):
                session.last_seen_at = moment
                session.expires_at = moment + self.session_idle
                uow.sessions.save(session)
            return session

    def user(self, iin: str) -> User | None:
        with self.uow() as uow:
            return uow.users.get(iin)

    def logout(self, session: Session) -> None:
        with self.uow() as uow:
            uow.sessions.delete(session.token_hash)


def _locked(user: User, threshold: int) -> AccountLocked:
    until = user.locked_until.strftime("%H:%M") if user.locked_until is not None else ""
    return AccountLocked(
        f"Учётная запись заблокирована после {threshold} неудачных попыток входа до {until}: повторите позже",
        f"Тіркелгі {threshold} сәтсіз кіру әрекетінен кейін {until} дейін бұғатталды: кейінірек қайталаңыз",
    )


def _already_registered() -> AlreadyRegistered:
    return AlreadyRegistered(
        "Пользователь с этим ИИН уже зарегистрирован: войдите с паролем",
        "Бұл ЖСН-мен пайдаланушы тіркелген: құпиясөзбен кіріңіз",
    )
