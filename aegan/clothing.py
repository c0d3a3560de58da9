"""Read which Fashion-MNIST class a prompt names when it uses a word the captions never taught the model:
slang ("kicks"), brands ("timberlands"), garment names ("parka", "tote", "chinos") and a few foreign words.
Pure Python; the Fashion-MNIST text model uses it before the sentence encoder's class vote.

`read_clothing(text)` -> (class id, the words it came from) or None. Words match whole words, in any case,
singular or plural ("boot" matches "boots"); a longer name beats a shorter one inside it ("t-shirt" is not
a shirt, "duffle coat" is not a bag). Adjacent names form one compound whose last word is the head ("fleece
jacket" is a coat, "shirt dress" a dress); of separate names the first is what the prompt asks for ("a jacket
to wear over a t-shirt" is a coat). A name right after I, you, we, they, he or she, or after one of them and a modal
("you'd", "we can"), is a verb, not a garment ("the coat you button up", "what she dresses up in", "what you'd
dress up in"). A prompt naming nothing here is left to the encoder, as are feature words ("collar", "laces",
"hood"), which several classes share.

`DESCRIPTIONS` are short sentences about what each class is for, what it is made of and what shape it has
("keeps your feet dry in rain and mud"); the text model embeds them beside its class phrases, so that a
prompt that names no garment at all is still compared with what the garment does.
"""

from __future__ import annotations

import re

CLOTHING_WORDS = [  # class id order of Fashion-MNIST
    # 0 T-shirt/top
    "t-shirt tshirt tee tee-shirt teeshirt tank tank-top singlet vest camisole cami crop-top cropped-top "
    "halter halterneck tube-top muscle-shirt muscle-tee ringer baby-tee graphic-tee band-tee racerback "
    "stringer spaghetti-strap strappy-top sleeveless-top boob-tube camiseta",
    # 1 trouser
    "trousers trouser pants jeans jean denims slacks chinos khakis cords corduroys cargos cargo-pants joggers "
    "sweatpants sweats trackies tracksuit-bottoms track-pants leggings jeggings yoga-pants capris culottes flares "
    "bell-bottoms bellbottoms palazzos palazzo-pants breeches jodhpurs trews pantaloons bottoms pantalones pantalon "
    "pantalons hosen",
    # 2 pullover
    "pullover sweater jumper hoodie hoody hooded-sweatshirt hooded-top sweatshirt sweat-shirt sweat-top turtleneck "
    "turtle-neck roll-neck rollneck polo-neck fleece knit knitwear guernsey gansey aran cable-knit woolly-jumper "
    "christmas-jumper crewneck-sweatshirt crewneck-sweater sueter jersei",
    # 3 dress
    "dress gown frock sundress sun-dress maxi midi minidress mini-dress kaftan caftan lbd bodycon shift-dress "
    "sheath-dress ballgown ball-gown pinafore sari wedding-dress prom-dress cocktail-dress evening-gown vestido "
    "kleid shirt-dress shirtdress sweater-dress t-shirt-dress tee-dress",
    # 4 coat
    "coat jacket parka anorak puffer puffa blazer bomber windbreaker windcheater raincoat mac mackintosh trench "
    "peacoat pea-coat overcoat topcoat duffle-coat duffel-coat cagoule kagool outerwear shell-jacket varsity-jacket "
    "letterman biker-jacket sport-coat sports-jacket down-jacket shacket chaqueta abrigo manteau veste jacke mantel",
    # 5 sandal
    "sandal sandals flip-flop flip-flops thongs jandals slides sliders mules espadrilles wedges stiletto "
    "stilettos heels high-heels kitten-heels slingback slingbacks peep-toe peep-toes gladiators birkenstocks jellies "
    "jelly-shoes tevas huaraches crocs clogs slipper sandalias sandales sandalen",
    # 6 shirt
    "shirt blouse button-down button-up button-down-shirt oxford-shirt flannel flannel-shirt polo polo-shirt "
    "dress-shirt tunic chambray hawaiian-shirt aloha-shirt lumberjack-shirt plaid-shirt tuxedo-shirt guayabera camisa "
    "chemise hemd",
    # 7 sneaker
    "sneaker sneakers trainer trainers kicks runners running-shoes tennis-shoes gym-shoes basketball-shoes "
    "skate-shoes plimsolls high-tops hi-tops low-tops converse vans nikes adidas jordans air-jordans yeezys chucks "
    "keds reeboks athletic-shoes sport-shoes sports-shoes jogging-shoes cross-trainers canvas-shoes sneaks "
    "chuck-taylor all-star asics new-balance skechers puma air-max air-force-ones hoka "
    "zapatillas turnschuhe",
    # 8 bag
    "bag handbag purse tote tote-bag backpack rucksack satchel clutch briefcase holdall duffel duffle duffel-bag "
    "duffle-bag crossbody messenger-bag pouch bum-bag fanny-pack shopper carryall knapsack pocketbook sack bolso "
    "sac tasche",
    # 9 ankle boot
    "boot boots bootie booties wellies wellingtons gumboots galoshes doc-martens dr-martens timberlands timbs "
    "ugg blundstones blunnies chelsea chelseas chukka chukkas botas bottes stiefel",
]

DESCRIPTIONS = [
    ["a top with short sleeves and no collar", "a light top for hot weather", "a sleeveless top with thin straps",
     "a casual cotton top you pull on over your head", "a simple top with a round neck"],
    ["something you wear on your legs", "it covers both legs down to the ankles", "two long legs and a waistband",
     "clothing for the lower half of the body", "long legwear with pockets at the hips"],
    ["a warm knitted top with long sleeves", "something woolly you pull over your head", "a cosy top for cold days",
     "a long-sleeved top with no buttons, worn over a shirt", "a warm top with a hood and a front pocket"],
    ["a one-piece garment with a skirt", "what a bride wears", "something a woman wears to a party",
     "it hangs from the shoulders down to the knees or the floor", "something elegant to wear to a wedding or a ball"],
    ["worn over your clothes to keep you warm", "keeps out the rain and the wind",
     "an outer layer with a zip or buttons",
     "a warm layer for winter outdoors", "for snow and cold weather, with long sleeves"],
    ["open shoes held on by straps", "footwear that leaves your toes bare", "shoes for the beach or the pool",
     "high heels for a party", "light summer footwear with straps"],
    ["a top with a collar and buttons down the front", "what you wear to the office with a tie",
     "a formal top with cuffs and a collar", "a smart top with long sleeves and buttons"],
    ["shoes for running or sport", "comfortable shoes with laces and rubber soles", "footwear for the gym",
     "shoes to go jogging in", "flat sporty shoes"],
    ["something to carry things in", "to carry a laptop or books", "it has handles or a strap",
     "to put your shopping in", "carried on the shoulder or in the hand"],
    ["footwear that covers the ankle", "keeps your feet dry in rain and mud", "sturdy shoes for winter and snow",
     "hiking footwear that covers the ankle", "heavy footwear with a thick sole"],
]

_WORD = re.compile(r"[a-zà-ÿ]+")
SUBJECTS = frozenset("i you we they he she".split())  # what follows one of these is its verb: "you button up"
MODALS = frozenset("d ll would will could can should might must may".split())  # "you'd" reads as "you", "d"


def _phrases() -> list[tuple[tuple[str, ...], int]]:
    """Every name as its words, longest first: [(("duffle", "coat"), 4), ...]."""
    pairs = set()
    for label, names in enumerate(CLOTHING_WORDS):
        for name in names.split():
            pairs.add((tuple(_WORD.findall(name.replace("-", " "))), label))
    return sorted(pairs, key=lambda pair: (-len(pair[0]), pair))


PHRASES = _phrases()


def _same(word: str, name: str) -> bool:
    """'boots' is 'boot', 'dresses' is 'dress', 'hoodies' is 'hoodie'."""
    return word == name or word in (name + "s", name + "es") or (name.endswith("y") and word == name[:-1] + "ies")


def _is_verb(names: list[str], i: int) -> bool:
    """Whether word i follows a subject ("you button up") or a subject and a modal ("you'd dress up")."""
    return (i >= 1 and names[i - 1] in SUBJECTS) or (i >= 2 and names[i - 2] in SUBJECTS and names[i - 1] in MODALS)


def read_clothing(text: str) -> tuple[int, str] | None:
    """(class id, the words it was read from, as typed) for the garment `text` names, or None."""
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(text.lower())]
    names = [word for word, _, _ in words]
    found = []  # (first word, last word, class), no two overlapping
    i = 0
    while i < len(words):
        if _is_verb(names, i):
            i += 1
            continue
        for phrase, label in PHRASES:
            end = i + len(phrase)
            if end <= len(words) and all(_same(words[i + k][0], w) for k, w in enumerate(phrase)) \
                    and not text[words[end - 1][2]:words[end - 1][2] + 1] == "-":  # "fleece-lined": a modifier
                found.append((i, end - 1, label))
                i = end
                break
        else:
            i += 1
    if not found:
        return None
    # adjacent names are one compound whose head is its last name: "fleece jacket" -> the jacket
    first, last, label = found[0]
    for start, end, next_label in found[1:]:
        if start != last + 1:
            break
        last, label = end, next_label
    return label, text[words[first][1]:words[last][2]]

VOCABULARY = frozenset(w for names in CLOTHING_WORDS for w in _WORD.findall(names))  # never "corrected"
