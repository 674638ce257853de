"""Elsewhere: the names of the world's other countries, as evidence that a report is about them.

The watchlist holds Libya's places and the actors of its conflict; it says nothing of Bahrain,
Guatemala or the Netherlands. A report that names Libya once among five other countries ("Bahrain,
Egypt, Libya, the Maldives, Saudi Arabia and the UAE cut ties with Qatar") is about them as much
as about Libya, and a Libyan village's name followed by another country's ("Sousse, Tunisia")
is that country's town. So the tagger notes where a text names another country, and relevance
weighs it against the evidence for Libya (`monitor.tag.relevance`).

Names are compared as the tagger compares watchlist names (`monitor.tag.fold`): case, accents
and articles do not count. Short forms that are ordinary words elsewhere (Chad the name, Georgia
the state, Jordan the name, Niger in "Niger Delta"...) are left in: a report that names one of
them names a place outside Libya often enough.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from monitor.tag.fold import name_keys

COUNTRIES = (
    "Afghanistan, Albania, Algeria, Andorra, Angola, Argentina, Armenia, Australia, Austria, "
    "Azerbaijan, Bahamas, Bahrain, Bangladesh, Barbados, Belarus, Belgium, Belize, Benin, Bhutan, "
    "Bolivia, Bosnia, Herzegovina, Botswana, Brazil, Brunei, Bulgaria, Burkina Faso, Burundi, "
    "Cambodia, Cameroon, Canada, Cape Verde, Central African Republic, Chad, Chile, China, "
    "Colombia, Comoros, Congo, Costa Rica, Ivory Coast, Croatia, Cuba, Cyprus, Czech Republic, "
    "Czechia, Denmark, Djibouti, Dominica, Dominican Republic, Ecuador, Egypt, El Salvador, "
    "Equatorial Guinea, Eritrea, Estonia, Eswatini, Ethiopia, Fiji, Finland, France, Gabon, "
    "Gambia, Georgia, Germany, Ghana, Greece, Grenada, Guatemala, Guinea, Guinea-Bissau, Guyana, "
    "Haiti, Honduras, Hungary, Iceland, India, Indonesia, Iran, Iraq, Ireland, Israel, Italy, "
    "Jamaica, Japan, Jordan, Kazakhstan, Kenya, Kiribati, Kosovo, Kuwait, Kyrgyzstan, Laos, "
    "Latvia, Lebanon, Lesotho, Liberia, Liechtenstein, Lithuania, Luxembourg, Madagascar, Malawi, "
    "Malaysia, Maldives, Mali, Malta, Mauritania, Mauritius, Mexico, Micronesia, Moldova, Monaco, "
    "Mongolia, Montenegro, Morocco, Mozambique, Myanmar, Burma, Namibia, Nauru, Nepal, "
    "Netherlands, New Zealand, Nicaragua, Niger, Nigeria, North Korea, North Macedonia, Norway, "
    "Oman, Pakistan, Palau, Palestine, Gaza, West Bank, Panama, Papua New Guinea, Paraguay, Peru, "
    "Philippines, Poland, Portugal, Qatar, Romania, Russia, Rwanda, Saint Lucia, Samoa, "
    "San Marino, Saudi Arabia, Senegal, Serbia, Seychelles, Sierra Leone, Singapore, Slovakia, "
    "Slovenia, Solomon Islands, Somalia, South Africa, South Korea, South Sudan, Spain, "
    "Sri Lanka, Sudan, Suriname, Sweden, Switzerland, Syria, Taiwan, Tajikistan, Tanzania, "
    "Thailand, Timor-Leste, Togo, Tonga, Trinidad, Tobago, Tunisia, Turkey, Turkmenistan, "
    "Tuvalu, Uganda, Ukraine, United Arab Emirates, UAE, United Kingdom, Britain, England, "
    "Scotland, Wales, Northern Ireland, United States, USA, America, Uruguay, Uzbekistan, "
    "Vanuatu, Vatican, Venezuela, Vietnam, Yemen, Zambia, Zimbabwe"
).split(", ")


class Named(NamedTuple):
    """A country other than Libya named in a report's `field`, at `start`."""

    field: str
    start: int
    end: int
    text: str


class Elsewhere:
    """Finds the names of other countries in a text's keys (as the tagger cuts a text)."""

    def __init__(self, names: Sequence[str] = COUNTRIES) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for name in names:
            keys = name_keys(name)
            self._by_first[keys[0]].append(keys)
        for longer_first in self._by_first.values():
            longer_first.sort(key=len, reverse=True)
        self.first_keys = frozenset(self._by_first)

    def find(self, keys: Sequence[str], candidates: Sequence[int]) -> list[tuple[int, int]]:
        """The (first, last) word indexes of each country named at `candidates`, the indexes
        whose key begins a country's name."""
        found = []
        after = -1
        for i in candidates:
            if i <= after:
                continue
            for name in self._by_first[keys[i]]:
                if tuple(keys[i : i + len(name)]) == name:
                    found.append((i, i + len(name) - 1))
                    after = i + len(name) - 1
                    break
        return found
