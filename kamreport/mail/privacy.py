"""Contacts' personal details must never reach a leadership email.

The email summary is built without the contacts' details; this module is the
second line of defence: it lists the details a message must not contain and
finds them in a text (the email itself, or a report to attach).

E-mail addresses and phone numbers are always searched for. Names are searched
for as whole words (Latin script) or as they are (Chinese), except a contact
name that is also the name of one of our own KA managers: the two cannot be
told apart, and the manager's name is not a contact's detail.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from kamreport.dataset import Dataset

NAME_COLUMNS = ("name", "name_en")
ID_COLUMNS = ("email", "phone")
_MIN_LENGTH = 2
_PHONE_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _values(frame: pd.DataFrame, columns: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for column in columns:
        if column in frame:
            found.update(str(v).strip() for v in frame[column].dropna())
    return {v for v in found if len(v) >= _MIN_LENGTH}


def personal_details(dataset: Dataset) -> frozenset[str]:
    """The contacts' e-mails, phones and names (see the module docstring for names)."""
    contacts = dataset.get("contacts")
    if contacts is None or contacts.empty:
        return frozenset()
    ours = _values(dataset.accounts, ("ka_manager",))
    names = _values(contacts, NAME_COLUMNS) - ours
    return frozenset(names | _values(contacts, ID_COLUMNS))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _words(text: str) -> str:
    """Lower-cased words (e-mail characters kept, trailing dots dropped), space-separated
    and space-padded, so that ``" pan yan "`` only matches whole words."""
    tokens = (t.strip(".-") for t in re.findall(r"[\w.@+-]+", text.casefold()))
    return " " + " ".join(t for t in tokens if t) + " "


_CODE = re.compile(r"<(script|style|svg)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def find_personal_details(text: str, details: frozenset[str]) -> list[str]:
    """The details that occur in ``text``, HTML or plain: e-mails anywhere (attributes
    too), names in the visible text (case ignored, Latin names as whole words), phone
    numbers also written with other punctuation, or with or without a country code."""
    markup = html.unescape(_CODE.sub(" ", text))
    visible = html.unescape(_TAG.sub(" ", _CODE.sub(" ", text)))
    all_words, visible_words = _words(markup), _words(visible)
    numbers = "|" + "|".join(_digits(m.group()) for m in _PHONE_LIKE.finditer(markup)) + "|"
    hits = []
    for detail in sorted(details):
        if _PHONE_LIKE.fullmatch(detail) and len(_digits(detail)) >= 7:
            # the last nine digits: found with or without country or trunk prefix
            found = _digits(detail)[-9:] + "|" in numbers
        elif "@" in detail:
            found = _words(detail) in all_words
        elif _CJK.search(detail):
            found = detail in visible
        else:
            found = _words(detail) in visible_words
        if found:
            hits.append(detail)
    return hits
