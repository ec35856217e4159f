"""Generated ticket texts and planted rewrites, for the near-duplicate test and benchmark.

A base ticket is a subject and a body built from templates of support language with random
products, problems, places, names and numbers; a rewrite makes a number of random word swaps,
insertions, deletions and typos (and changes of case and punctuation, which do not count).
"""

from __future__ import annotations

import random

PRODUCTS = [
    "printer",
    "laptop",
    "VPN client",
    "email account",
    "invoice portal",
    "parcel",
    "router",
    "mobile app",
    "payroll system",
    "badge reader",
    "monitor",
    "docking station",
    "shared drive",
    "CRM dashboard",
    "billing page",
    "password manager",
    "conference phone",
    "scanner",
    "webshop",
    "delivery",
    "subscription",
    "warehouse scanner",
    "time tracking tool",
    "calendar",
]
PROBLEMS = [
    "does not start",
    "keeps crashing",
    "is very slow",
    "shows error {n}",
    "was charged twice",
    "cannot connect",
    "lost all my settings",
    "is stuck in transit",
    "rejects my password",
    "prints blank pages",
    "freezes after the update",
    "sends duplicate notifications",
    "displays the wrong totals",
    "will not sync",
    "times out",
    "arrived damaged",
    "has not been delivered",
    "logs me out every few minutes",
    "is missing items",
    "overheats",
]
PLACES = [
    "on floor {n}",
    "in the Berlin office",
    "at the Lyon warehouse",
    "in meeting room {n}",
    "at home",
    "in building {n}",
    "at the front desk",
    "in the Madrid branch",
    "since Monday",
    "since the last release",
    "for the whole team",
    "for customer {n}",
    "on order {n}",
]
OPENERS = ["Hello support,", "Hi team,", "Good morning,", "Dear helpdesk,", "Hi there,", "Hello,"]
SENTENCES = [
    "I tried restarting the {p} but nothing changed.",
    "My colleague {name} has the same problem with the {p}.",
    "This started right after the maintenance window on {day}.",
    "We need this fixed before the quarterly report is due on {day}.",
    "The error message says code {n} and then the window closes.",
    "I already cleared the cache and reinstalled the {p} twice.",
    "Could you please check the logs for account {n}?",
    "Our order number is {n} and the invoice is attached.",
    "It worked fine until {day}, and now it fails every time.",
    "The tracking page has not been updated for {n} days.",
    "I was charged {n} euros instead of the agreed amount.",
    "Please call me back at extension {n} when you have an update.",
    "Other people in the {team} team are affected as well.",
    "I have attached a screenshot of the {p} settings.",
    "This is blocking the whole {team} team from working.",
    "We have {n} users waiting for access to the {p}.",
    "Nothing in the manual explains what to do in this case.",
    "I would like a refund if this cannot be fixed this week.",
    "The {p} makes a loud noise and then switches itself off.",
    "Is there a known outage affecting the {p} today?",
]
CLOSERS = ["Thanks,", "Best regards,", "Kind regards,", "Many thanks,", "Cheers,", "Thank you,"]
NAMES = [
    "Alice",
    "Bob",
    "Chen",
    "Dana",
    "Emil",
    "Fatima",
    "Goran",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Marta",
    "Nils",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the 3rd", "the 14th", "the 28th"]
TEAMS = ["finance", "sales", "logistics", "support", "marketing", "legal", "engineering"]
FILLERS = [
    "really",
    "also",
    "again",
    "now",
    "still",
    "please",
    "just",
    "urgently",
    "today",
    "quite",
    "completely",
    "sometimes",
    "apparently",
    "unfortunately",
]


def _fill(template: str, rng: random.Random, product: str) -> str:
    return template.format(
        n=rng.randrange(2, 99999),
        p=product,
        name=rng.choice(NAMES),
        day=rng.choice(DAYS),
        team=rng.choice(TEAMS),
    )


def base_ticket(rng: random.Random) -> tuple[str, str]:
    """Return a (subject, body) that reads like a ticket."""
    product = rng.choice(PRODUCTS)
    problem = _fill(rng.choice(PROBLEMS), rng, product)
    place = _fill(rng.choice(PLACES), rng, product)
    subject = f"{product.capitalize()} {problem} {place}"
    sentences = [f"{rng.choice(OPENERS)} the {product} {problem} {place}."]
    sentences += [_fill(s, rng, product) for s in rng.sample(SENTENCES, rng.randrange(2, 7))]
    sentences.append(f"{rng.choice(CLOSERS)} {rng.choice(NAMES)}")
    return subject, " ".join(sentences)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word + "x"
    i = rng.randrange(len(word))
    return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1 :]


def rewrite(body: str, edits: int, rng: random.Random) -> str:
    """Return ``body`` with ``edits`` random word swaps, insertions, deletions and typos."""
    words = body.split()
    for _ in range(edits):
        op = rng.randrange(4)
        i = rng.randrange(len(words))
        if op == 0 and len(words) > 1:
            j = min(i + 1, len(words) - 1)
            words[i], words[j] = words[j], words[i]
        elif op == 1:
            words.insert(i, rng.choice(FILLERS))
        elif op == 2 and len(words) > 3:
            del words[i]
        else:
            words[i] = _typo(words[i], rng)
    text = " ".join(words)
    # Case and punctuation changes alone do not count as changes.
    return text.upper() if rng.random() < 0.1 else text.replace(".", " !")
