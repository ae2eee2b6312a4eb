"""A seeded, deterministic mixed news corpus for the scale benchmarks, in English and Russian.

Every sentence is written here, for otkaz: no article is copied. Most documents are
everyday news of realistic length (city life, economy, sport, weather, culture, science);
a few of those use a candidate word in another sense (a draft budget, a player's
contract, farmers' protest), as real feeds do; ``relevant`` of them report a refusal,
desertion, draft evasion, flight abroad, protest or arson.

    python benchmarks/corpus.py --docs 1000 --relevant 0.02 --seed 1 -o corpus.jsonl
    python benchmarks/corpus.py --size 1GB -o big.jsonl.gz

One JSON object a line in otkaz's keys: id, title, text, published, lang, outlet, url.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import IO

NEAR_MISS = 0.05  # share of everyday news using a candidate word in another sense

EN = {
    "towns": ["Kursk", "Perm", "Tver", "Omsk", "Kazan", "Samara", "Ufa", "Penza", "Tomsk", "Chita", "Ulan-Ude", "Belgorod",
              "Irkutsk", "Barnaul", "Vologda", "Ryazan", "Yaroslavl", "Orenburg", "Saratov", "Kirov"],
    "names": ["Ivan Sorokin", "Pavel Lebedev", "Oleg Markov", "Denis Kovalev", "Artem Belov", "Yuri Gromov",
              "Maxim Orlov", "Roman Zaitsev", "Nikita Fomin", "Sergei Volkov"],
    "outlets": ["Volga Evening", "Northern Courier", "City Bulletin", "Regional Review", "Morning Post of the Urals"],
    "topics": {
        "city": [
            "The city council of {town} approved a plan to repair {n} kilometres of roads before the end of the season.",
            "Residents of the {town} district of {street} complained that buses now run only every {n} minutes.",
            "The mayor of {town} opened a new library branch in a former cinema on {street} Street.",
            "Workers began replacing the heating pipes under {street} Street, and traffic will be diverted for {n} days.",
            "A new playground with {n} swings and a climbing wall was opened in the park near the river embankment.",
            "Officials said that the tram line to the northern suburbs would reopen after {n} weeks of maintenance.",
            "Local shop owners welcomed the decision to keep the central market open on Sundays.",
            "The regional hospital in {town} received {n} new ambulances, the health department said.",
        ],
        "economy": [
            "The regional statistics office said retail sales in {town} rose by {n} percent compared with last year.",
            "A bakery chain from {town} plans to open {n} new shops in neighbouring regions next spring.",
            "Prices for buckwheat and sugar in local supermarkets have risen by about {n} percent since January.",
            "The central bank kept its key rate unchanged, and analysts expect no change before the autumn.",
            "A furniture factory in {town} hired {n} workers after orders from retailers doubled.",
            "Farmers in the region harvested {n} thousand tonnes of grain, slightly more than a year earlier.",
            "The price of petrol at filling stations in {town} went up by {n} kopecks a litre over the week.",
            "Small businesses in {town} can now apply online for grants of up to {n} thousand roubles.",
        ],
        "sport": [
            "{team} beat their rivals {n}-1 at home on Saturday in front of a crowd of several thousand.",
            "The coach of {team} said the squad would travel to {town} without two injured defenders.",
            "A {n}-year-old swimmer from {town} won gold at the national junior championship.",
            "The city marathon drew {n} hundred runners despite a cold wind from the river.",
            "{team} moved up to third place in the table after a draw away from home.",
            "The hockey club's new ice arena in {town} will seat about {n} thousand spectators.",
            "Fans queued for hours for tickets to the cup semi-final against {team}.",
        ],
        "weather": [
            "Forecasters expect temperatures in {town} to fall to minus {n} degrees at night later this week.",
            "Heavy snow closed the airport in {town} for {n} hours on Tuesday morning.",
            "The river rose by {n} centimetres after two days of rain, but no homes were flooded.",
            "A warm front will bring sunshine and light winds to most of the region over the weekend.",
            "Road services in {town} cleared {n} thousand cubic metres of snow from the streets overnight.",
            "Meteorologists say this was the warmest October in the region for {n} years.",
        ],
        "culture": [
            "The drama theatre in {town} opened its season with a new staging of a classic comedy.",
            "An exhibition of {n} paintings by local artists opened at the regional museum on Friday.",
            "The philharmonic orchestra will give {n} free concerts in the city's parks this summer.",
            "A film festival in {town} will show {n} short films by students from across the country.",
            "Volunteers restored the wooden house of a nineteenth-century merchant on {street} Street.",
            "The city's oldest bookshop celebrated its {n}th anniversary with readings and a book fair.",
        ],
        "science": [
            "Researchers at the university in {town} developed a sensor that measures soil moisture from space images.",
            "Astronomers from {town} observed a comet that will pass closest to the Sun in {n} days.",
            "A school team from {town} won a national robotics contest with a machine that sorts waste.",
            "Biologists counted {n} pairs of rare storks in the wetlands south of the city.",
            "The regional library digitised {n} thousand pages of old newspapers this year.",
        ],
    },
    "near_miss": [
        "The city council published a draft of next year's budget and invited residents to comment by {day}.",
        "The club announced that its striker signed a contract for three more seasons.",
        "Farmers held a protest outside the regional government over low purchase prices for milk.",
        "A freight train was held for {n} hours at the border crossing because of missing paperwork.",
        "The council declined to comment on the cost of the new bridge.",
        "A teenager who ran away from a summer camp was found safe by volunteers the next morning.",
        "Firefighters said a short circuit, not arson, caused the fire at the warehouse.",
    ],
    "teams": ["Dynamo", "Torpedo", "Spartak Youth", "Neftekhimik", "Avangard", "Rubin", "Ural", "Krylya"],
    "streets": ["Lenin", "Sovetskaya", "Mira", "Gagarin", "Pushkin", "Lermontov", "Chekhov", "Sadovaya"],
    "incidents": [
        ("{count} mobilized soldiers from {town} deserted from their unit near {place} and went home, "
         "a lawyer told {outlet} on {day}."),
        ("A {age}-year-old contract soldier from {town}, {name}, refused to return to the front after a leave, "
         "and a criminal case for desertion was opened against him, {outlet} reported."),
        ("{count} servicemen from {town} refused to take part in combat and were detained by military police, "
         "their relatives said on {day}."),
        ("A man in {town} threw a Molotov cocktail at the military enlistment office on {day}, "
         "local media reported; nobody was hurt."),
        ("A {age}-year-old resident of {town}, {name}, refused to sign his draft summons and was detained by police, "
         "{outlet} reported on {day}."),
        ("About {count} wives of mobilized men held a protest in the centre of {town} on {day}, "
         "demanding that their husbands be brought home."),
        ("{name}, a {age}-year-old soldier from {town}, fled the army and crossed the border into Kazakhstan, "
         "where he asked for asylum, {outlet} reported."),
    ],
}

RU = {
    "towns": ["Курске", "Перми", "Твери", "Омске", "Казани", "Самаре", "Уфе", "Пензе", "Томске", "Чите", "Улан-Удэ",
              "Белгороде", "Иркутске", "Барнауле", "Вологде", "Рязани", "Ярославле", "Оренбурге", "Саратове", "Кирове"],
    "names": ["Иван Сорокин", "Павел Лебедев", "Олег Марков", "Денис Ковалев", "Артем Белов", "Юрий Громов",
              "Максим Орлов", "Роман Зайцев", "Никита Фомин", "Сергей Волков"],
    "outlets": ["Вечерняя Волга", "Северный курьер", "Городской вестник", "Областное обозрение", "Уральское утро"],
    "topics": {
        "city": [
            "Городская дума в {town} одобрила план ремонта {n} километров дорог до конца сезона.",
            "Жители улицы {street} пожаловались, что автобусы теперь ходят раз в {n} минут.",
            "Мэр открыл в {town} новый филиал библиотеки в здании бывшего кинотеатра.",
            "На улице {street} начали менять трубы отопления, движение будет перекрыто на {n} дней.",
            "В парке у набережной открылась новая детская площадка с {n} качелями и скалодромом.",
            "Чиновники сообщили, что трамвайная линия в северные кварталы откроется через {n} недель.",
            "Владельцы магазинов одобрили решение оставить центральный рынок открытым по воскресеньям.",
            "Областная больница в {town} получила {n} новых машин скорой помощи.",
        ],
        "economy": [
            "По данным статистиков, розничные продажи в {town} выросли на {n} процентов за год.",
            "Сеть пекарен планирует открыть {n} новых магазинов в соседних регионах весной.",
            "Цены на гречку и сахар в местных супермаркетах с января выросли примерно на {n} процентов.",
            "Центробанк сохранил ключевую ставку, аналитики не ждут изменений до осени.",
            "Мебельная фабрика в {town} наняла {n} рабочих после того, как заказы удвоились.",
            "Аграрии региона собрали {n} тысяч тонн зерна, немного больше, чем годом ранее.",
            "Бензин на заправках в {town} подорожал за неделю на {n} копеек за литр.",
            "Малый бизнес в {town} теперь может подать заявку на грант до {n} тысяч рублей онлайн.",
        ],
        "sport": [
            "«{team}» обыграл соперников со счетом {n}:1 на домашнем стадионе в субботу.",
            "Тренер «{team}» сказал, что команда поедет на выезд без двух травмированных защитников.",
            "{n}-летняя пловчиха из {town} выиграла золото юниорского первенства страны.",
            "Городской марафон собрал {n} сотен бегунов, несмотря на холодный ветер с реки.",
            "«{team}» поднялся на третье место в таблице после ничьей в гостях.",
            "Новая ледовая арена в {town} вместит около {n} тысяч зрителей.",
            "Болельщики часами стояли в очереди за билетами на полуфинал кубка.",
        ],
        "weather": [
            "Синоптики ожидают, что ночью в {town} похолодает до минус {n} градусов.",
            "Сильный снегопад закрыл аэропорт в {town} на {n} часов во вторник утром.",
            "После двух дней дождей уровень реки поднялся на {n} сантиметров, но дома не затоплены.",
            "Теплый фронт принесет солнце и слабый ветер в большую часть области на выходных.",
            "Дорожные службы в {town} за ночь вывезли {n} тысяч кубометров снега.",
            "Метеорологи говорят, что такого теплого октября в регионе не было {n} лет.",
        ],
        "culture": [
            "Драматический театр в {town} открыл сезон новой постановкой классической комедии.",
            "В областном музее в пятницу открылась выставка {n} картин местных художников.",
            "Филармонический оркестр даст этим летом {n} бесплатных концертов в городских парках.",
            "Кинофестиваль в {town} покажет {n} короткометражных фильмов студентов со всей страны.",
            "Волонтеры отреставрировали деревянный дом купца девятнадцатого века на улице {street}.",
            "Старейший книжный магазин города отметил {n}-летие чтениями и книжной ярмаркой.",
        ],
        "science": [
            "Ученые университета в {town} создали датчик, который измеряет влажность почвы по снимкам из космоса.",
            "Астрономы наблюдают комету, которая подойдет ближе всего к Солнцу через {n} дней.",
            "Школьная команда из {town} выиграла всероссийский конкурс роботов с машиной для сортировки мусора.",
            "Биологи насчитали {n} пар редких аистов на болотах к югу от города.",
            "Областная библиотека оцифровала за год {n} тысяч страниц старых газет.",
        ],
    },
    "near_miss": [
        "Клуб объявил, что нападающий подписал контракт еще на три сезона.",
        "Фермеры провели акцию протеста у здания областного правительства из-за низких закупочных цен на молоко.",
        "Грузовой поезд простоял на границе {n} часов из-за недостающих документов.",
        "Подросток, который сбежал из летнего лагеря, утром был найден волонтерами.",
        "Пожарные считают, что склад загорелся из-за короткого замыкания, а не из-за поджога.",
        "Мэрия отказалась комментировать стоимость нового моста.",
    ],
    "teams": ["Динамо", "Торпедо", "Спартак", "Нефтехимик", "Авангард", "Рубин", "Урал", "Крылья"],
    "streets": ["Ленина", "Советской", "Мира", "Гагарина", "Пушкина", "Лермонтова", "Чехова", "Садовой"],
    "incidents": [
        "{count} мобилизованных из {town_gen} самовольно оставили часть и вернулись домой, сообщил адвокат изданию «{outlet}».",
        ("{age}-летний контрактник {name} отказался возвращаться на фронт после отпуска, против него возбуждено "
         "уголовное дело о самовольном оставлении части, пишет «{outlet}»."),
        "{count} военнослужащих отказались участвовать в боевых действиях и были задержаны военной полицией, рассказали их родственники.",
        "Неизвестный бросил бутылку с зажигательной смесью в здание военкомата в {town}, сообщили местные СМИ.",
        "{age}-летний житель {town_gen} {name} отказался подписывать повестку и был задержан полицией, сообщает «{outlet}».",
        "Около {count} жен мобилизованных вышли на акцию протеста в центре {town_gen}, требуя вернуть мужей домой.",
        "{name}, {age}-летний военный, сбежал из армии и пересек границу с Казахстаном, где попросил убежища, сообщает «{outlet}».",
    ],
    "town_gen": ["Курска", "Перми", "Твери", "Омска", "Казани", "Самары", "Уфы", "Пензы", "Томска", "Читы"],
}

TITLES = {
    "en": ["News from {town}", "{town}: what happened this week", "Around the region", "Today in {town}"],
    "ru": ["Новости {town_gen}", "Что произошло за неделю", "Вокруг области", "Сегодня в регионе"],
}


def _fill(rng: random.Random, template: str, lang: dict) -> str:
    return template.format(
        town=rng.choice(lang["towns"]), n=rng.randint(2, 95), team=rng.choice(lang["teams"]),
        street=rng.choice(lang["streets"]), day=rng.choice(["Monday", "Tuesday", "Friday"]) if lang is EN else "",
        count=rng.randint(2, 40), age=rng.randint(19, 52), name=rng.choice(lang["names"]),
        outlet=rng.choice(lang["outlets"]), place=rng.choice(EN["towns"]),
        town_gen=rng.choice(RU["town_gen"]),
    )


def _paragraphs(rng: random.Random, lang: dict, sentences: int) -> list[str]:
    topic = rng.choice(sorted(lang["topics"]))
    pool = lang["topics"][topic] + lang["topics"][rng.choice(sorted(lang["topics"]))]
    body = [_fill(rng, rng.choice(pool), lang) for _ in range(sentences)]
    size = rng.randint(2, 4)
    return [" ".join(body[i:i + size]) for i in range(0, len(body), size)]


def document(rng: random.Random, number: int, relevant: bool) -> dict:
    """One record; its length is that of a news item (about 25-60 sentences)."""
    code = "en" if rng.random() < 0.5 else "ru"
    lang = EN if code == "en" else RU
    paragraphs = _paragraphs(rng, lang, rng.randint(25, 60))
    if relevant:
        report = _fill(rng, rng.choice(lang["incidents"]), lang)
        paragraphs.insert(rng.randint(0, min(2, len(paragraphs))), report)
    elif rng.random() < NEAR_MISS:
        paragraphs.insert(rng.randint(0, len(paragraphs)), _fill(rng, rng.choice(lang["near_miss"]), lang))
    published = date(2022, 9, 1) + timedelta(days=rng.randint(0, 900))
    outlet = rng.choice(lang["outlets"])
    return {
        "id": f"bench-{number:07d}",
        "title": _fill(rng, rng.choice(TITLES[code]), lang),
        "text": "\n\n".join(paragraphs),
        "published": published.isoformat(),
        "lang": code,
        "outlet": outlet,
        "url": f"https://news.example/{code}/{number:07d}",
        "relevant": relevant,  # the generator's own label: not read by otkaz
    }


def generate(docs: int | None = None, relevant: float = 0.02, seed: int = 1, size: int | None = None) -> Iterator[dict]:
    """``docs`` records (or records until their JSON adds up to ``size`` bytes), the same for the same seed."""
    rng = random.Random(seed)
    written, number = 0, 0
    while (docs is None or number < docs) and (size is None or written < size):
        record = document(rng, number, rng.random() < relevant)
        written += len(json.dumps(record, ensure_ascii=False).encode()) + 1
        number += 1
        yield record


def write(out: IO[str], records: Iterator[dict]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def parse_size(value: str) -> int:
    units = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}
    for unit, factor in units.items():
        if value.upper().endswith(unit):
            return int(float(value[: -len(unit)]) * factor)
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, help="How many documents.")
    parser.add_argument("--size", type=parse_size, help="Or: documents until the file holds this much (1GB).")
    parser.add_argument("--relevant", type=float, default=0.02, help="Share of relevant reports.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True, help="FILE.jsonl or FILE.jsonl.gz")
    args = parser.parse_args(argv)
    if args.docs is None and args.size is None:
        parser.error("give --docs or --size")
    opener = gzip.open if args.output.suffix == ".gz" else open
    with opener(args.output, "wt", encoding="utf-8") as out:
        count = write(out, generate(args.docs, args.relevant, args.seed, args.size))
    print(f"wrote {count} documents to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
