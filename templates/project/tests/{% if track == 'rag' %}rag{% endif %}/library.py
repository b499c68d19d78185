# ruff: noqa: E501 (prose and golden items read better unwrapped)
"""A second corpus for the tests: a town library's policies in plain prose, with its own golden set.

Different from the shipped corpus in domain (a public library, not a software product), in style
(plain text paragraphs, no markdown) and in its questions. Tests write it to a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCUMENTS: dict[str, str] = {
    "joining.txt": """Joining the library

Anyone who lives, works or studies in Millbrook can join the library for free. Bring a photo ID and a letter or bill showing your current address to any branch desk, and staff will issue your card on the spot.

Children under 16 can join with the signature of a parent or guardian. Their card carries the same borrowing rights, but access to the adult film collection is blocked until their sixteenth birthday.

Cards are valid for three years. We send a reminder by email a month before a card expires, and renewing it only takes a quick check of your address at the desk.
""",
    "borrowing.txt": """Borrowing and loan periods

Most books can be borrowed for three weeks. Films and music CDs go out for one week, and new bestsellers marked with a yellow sticker are limited to fourteen days.

Each member may have up to twenty items on loan at the same time, of which no more than five may be films.

Items can be renewed twice, online or at a desk, as long as nobody else has reserved them. A renewal starts a new loan period from the day you renew.
""",
    "fines.txt": """Late returns and charges

The library stopped charging daily fines for late books in 2021. Instead, an item that is more than six weeks overdue is treated as lost, and the replacement cost is added to your account.

If you bring back an item after it was marked as lost, the replacement charge is cancelled, less a processing fee of three pounds.

Accounts owing more than fifteen pounds cannot borrow until the balance is paid. You can pay at any desk with a card or cash, or through the online account page.
""",
    "reservations.txt": """Reservations and holds

You can reserve any item in the catalogue, including items held at another branch. Reservations are free for books; reserving a film costs fifty pence.

When your item arrives we send a text message or email, and we keep it on the hold shelf for seven days. After that it goes to the next person in the queue.

Up to ten reservations can be active on one card at a time.
""",
    "opening-hours.txt": """Opening hours

The Central Library on Market Street is open from nine in the morning to eight in the evening on weekdays, and from ten until four on Saturdays. It is closed on Sundays and bank holidays.

The Eastfield and Riverside branches open at ten and close at five from Tuesday to Saturday; both are closed on Mondays.

During the two weeks around the new year, all branches close at four.
""",
    "computers.txt": """Public computers and wifi

Members can book a public computer for up to two hours a day, free of charge. Visitors without a card can buy a guest session of one hour at the desk.

The wireless network is open to everyone in the building and needs no password; you accept the terms of use on the first page that appears.

Printing costs ten pence a page in black and white and forty pence in colour. Scanning to email is free.
""",
    "study-rooms.txt": """Study rooms and meeting spaces

The Central Library has four quiet study rooms for groups of up to six. Members can book a room for up to three hours, up to a week in advance, through the online account page.

The large meeting hall holds eighty people and can be hired by local groups. Charities pay a reduced rate of twenty pounds for a half day; other groups pay sixty pounds.

Food is not allowed in the study rooms, but covered drinks are fine.
""",
    "children.txt": """Children and families

Rhyme time for babies and toddlers runs every Tuesday and Thursday morning at half past ten in the children's corner of each branch. No booking is needed.

During the summer holidays the reading challenge invites children aged four to eleven to read six books and collect a medal.

Children under eight must be accompanied by an adult at all times while in the library.
""",
    "home-delivery.txt": """Home delivery service

Residents who cannot visit a branch because of illness, disability or caring duties can have books delivered to their door by volunteers once a month.

To sign up, call the outreach team or ask a friend or relative to fill in the form at any desk. There is no charge for the service, and loan periods are extended to eight weeks.
""",
    "ebooks.txt": """E-books and online resources

Members can borrow e-books and audiobooks through the library's reading app with their card number and PIN. Up to six digital titles can be on loan at once, and they return themselves automatically at the end of the loan.

The online newspaper archive and the family history databases can be used for free from home as well as in the library.

If you have forgotten your PIN, staff at any desk can reset it after checking your ID.
""",
    "donations.txt": """Donating books

We welcome donations of books in good condition that were published in the last five years. We cannot accept encyclopaedias, magazines or textbooks.

Please bring no more than one bag of donations per visit. Books we cannot add to the collection are sold in the friends' book sale, and the money goes to the children's reading challenge.
""",
    "local-history.txt": """Local history collection

The local history room on the first floor of the Central Library holds maps, photographs and parish records going back to 1750.

Items in this collection cannot be borrowed, but you can photograph them for personal research without a flash. Appointments with the archivist are available on Wednesday afternoons.
""",
    "behaviour.txt": """Behaviour in the library

Everyone is welcome, and we ask visitors to respect others using the space. Mobile phone calls should be taken in the entrance hall.

Staff may ask anyone who is abusive, threatening or damaging property to leave, and repeated problems can lead to a ban of up to twelve months.

Assistance dogs are welcome in all branches; other pets are not allowed inside.
""",
    "accessibility.txt": """Accessibility

All branches have step-free access, and the Central Library has a lift to every floor. Large-print books and audiobooks are shelved together near the entrance.

A hearing loop is fitted at every main desk, and magnifiers and reading rulers can be borrowed for use in the building.
""",
    "privacy.txt": """Your data and privacy

We keep your name, address, contact details and the items currently on loan. Your borrowing history is deleted when an item is returned, unless you choose to keep a reading history in your online account.

We never share member details with other organisations except where the law requires it. You can ask for a copy of the data we hold at any desk.
""",
}

# (id, split, question, [(file, passage), ...]); no passages: the documents do not answer it.
# fmt: off
GOLDEN: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("l01", "calibration", "What do I need to show to get a membership card?", [("joining.txt", "Bring a photo ID and a letter or bill showing your current address")]),
    ("l02", "test", "Can my 12-year-old daughter become a member on her own?", [("joining.txt", "Children under 16 can join with the signature of a parent or guardian.")]),
    ("l03", "calibration", "How long does a library card last before it has to be renewed?", [("joining.txt", "Cards are valid for three years.")]),
    ("l04", "test", "How many weeks can I keep a novel?", [("borrowing.txt", "Most books can be borrowed for three weeks.")]),
    ("l05", "calibration", "For how long can I take home a DVD?", [("borrowing.txt", "Films and music CDs go out for one week")]),
    ("l06", "test", "What is the maximum number of things I can have checked out together?", [("borrowing.txt", "Each member may have up to twenty items on loan at the same time")]),
    ("l07", "calibration", "How many times may I extend a loan?", [("borrowing.txt", "Items can be renewed twice")]),
    ("l08", "test", "Do you still charge a daily penalty when a book comes back late?", [("fines.txt", "The library stopped charging daily fines for late books in 2021.")]),
    ("l09", "calibration", "If I find a book I was billed for as lost, do I get my money back?", [("fines.txt", "the replacement charge is cancelled, less a processing fee of three pounds")]),
    ("l10", "test", "How much can I owe before I am stopped from borrowing?", [("fines.txt", "Accounts owing more than fifteen pounds cannot borrow until the balance is paid.")]),
    ("l11", "calibration", "Is there a charge to put a hold on a film?", [("reservations.txt", "reserving a film costs fifty pence")]),
    ("l12", "test", "How long will my requested item wait for me on the shelf?", [("reservations.txt", "we keep it on the hold shelf for seven days")]),
    ("l13", "calibration", "What time does the main library on Market Street close on weekdays?", [("opening-hours.txt", "The Central Library on Market Street is open from nine in the morning to eight in the evening on weekdays")]),
    ("l14", "test", "Which day of the week are the Eastfield and Riverside branches shut?", [("opening-hours.txt", "both are closed on Mondays")]),
    ("l15", "calibration", "Can I use a computer at the library if I am not a member?", [("computers.txt", "Visitors without a card can buy a guest session of one hour at the desk.")]),
    ("l16", "test", "What does it cost to print a page in colour?", [("computers.txt", "forty pence in colour")]),
    ("l17", "calibration", "Do I need a password for the internet connection in the building?", [("computers.txt", "The wireless network is open to everyone in the building and needs no password")]),
    ("l18", "test", "How far ahead can I book a quiet room for my study group?", [("study-rooms.txt", "Members can book a room for up to three hours, up to a week in advance")]),
    ("l19", "calibration", "How much does a charity pay to hire the big hall for half a day?", [("study-rooms.txt", "Charities pay a reduced rate of twenty pounds for a half day")]),
    ("l20", "test", "When is the singing session for toddlers held?", [("children.txt", "Rhyme time for babies and toddlers runs every Tuesday and Thursday morning at half past ten")]),
    ("l21", "calibration", "Can my seven-year-old stay in the library alone while I shop?", [("children.txt", "Children under eight must be accompanied by an adult at all times")]),
    ("l22", "test", "My mother is housebound; can someone bring her books?", [("home-delivery.txt", "can have books delivered to their door by volunteers once a month")]),
    ("l23", "calibration", "Is there a fee for the delivery of books to my home?", [("home-delivery.txt", "There is no charge for the service")]),
    ("l24", "test", "How many audiobooks can I borrow on my phone at once?", [("ebooks.txt", "Up to six digital titles can be on loan at once")]),
    ("l25", "calibration", "I forgot my PIN for the reading app, what should I do?", [("ebooks.txt", "staff at any desk can reset it after checking your ID")]),
    ("l26", "test", "Will you take my old set of encyclopaedias?", [("donations.txt", "We cannot accept encyclopaedias, magazines or textbooks.")]),
    ("l27", "calibration", "Can I take old parish maps home to study them?", [("local-history.txt", "Items in this collection cannot be borrowed")]),
    ("l28", "test", "When can I meet the archivist?", [("local-history.txt", "Appointments with the archivist are available on Wednesday afternoons.")]),
    ("l29", "calibration", "Can I bring my dog into the library?", [("behaviour.txt", "Assistance dogs are welcome in all branches; other pets are not allowed inside.")]),
    ("l30", "test", "Where should I go to answer a phone call?", [("behaviour.txt", "Mobile phone calls should be taken in the entrance hall.")]),
    ("l31", "calibration", "Is there a lift in the central building?", [("accessibility.txt", "the Central Library has a lift to every floor")]),
    ("l32", "test", "Do you keep a list of every book I have ever borrowed?", [("privacy.txt", "Your borrowing history is deleted when an item is returned")]),
    ("u01", "calibration", "Does the library lend board games?", []),
    ("u02", "test", "Can I borrow a laptop to take home?", []),
    ("u03", "calibration", "Is there a café in the Central Library?", []),
    ("u04", "test", "Do you run English classes for adults?", []),
    ("u05", "calibration", "Can I renew my card through the Libby app?", []),
    ("u06", "test", "Is there a branch in Northgate?", []),
    ("u07", "calibration", "How much is parking at the Riverside branch?", []),
    ("u08", "test", "Can I get a membership card if I live in Oxford?", []),
    ("u09", "calibration", "Do you offer 3D printing?", []),
    ("u10", "test", "Are there lockers to store my bag?", []),
    ("u11", "calibration", "Does the library have a collection of sheet music?", []),
    ("u12", "test", "Can I book a meeting room by phone on Sunday?", []),
]
# fmt: on

# Questions a person new to these documents might ask, answerable from them.
ASKED = [
    "How long can I keep a book?",
    "What do I need to bring to join the library?",
    "Is the wifi free?",
]


def write(root: Path, *, golden: bool = True) -> Path:
    """Write the documents under ``root / 'documents'`` (and golden.jsonl next to them); return
    the documents folder."""
    folder = root / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    if golden:
        lines = [
            json.dumps(
                {
                    "id": item_id,
                    "split": split,
                    "question": question,
                    "evidence": [{"source": source, "passage": passage} for source, passage in evidence],
                }
            )
            for item_id, split, question, evidence in GOLDEN
        ]
        (root / "golden.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
