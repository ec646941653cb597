"""The crisis screen: every crisis text flagged, idioms left alone, kind messages, clear content errors.

Every case here was written for attunement. Positives must all be flagged
(recall 100%); negatives are held to a specificity of at least 90% in
aggregate, and the clear ones are checked one by one. A few hyperbolic
negatives ("this weather makes me want to die lol") are flagged on purpose:
a false alarm shows a kind message, a miss leaves someone alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attunement.content.crisis import load_crisis_lexicon
from attunement.domain.safety import (
    CrisisLevel,
    CrisisLexicon,
    CrisisPattern,
    CrisisResource,
    CrisisScreen,
    more_severe,
)
from attunement.errors import ContentError
from attunement.nlp.crisis import DISTRESS_THRESHOLD, CrisisScreener, normalise

POSITIVES = [
    # explicit ideation, first person
    "I want to kill myself",
    "i just want to die",
    "Honestly I don't want to be alive anymore",
    "i dont want to be here anymore",
    "I've been thinking about ending my life",
    "I'm going to take my own life",
    "Everyone would be better off without me",
    "I'd be better off dead",
    "There's no reason to live anymore",
    "I have nothing left to live for",
    "I can't go on like this",
    "I'm suicidal again tonight",
    "I keep having suicidal thoughts and I'm scared",
    "I've been thinking about suicide a lot lately",
    "I'm going to end it all this weekend",
    "i want to end it tonight",
    "I deserve to die",
    "I'm ready to die",
    "I don't want to live anymore",
    "life isn't worth living",
    "I tried to kill myself last year and I feel that way again",
    "i think about killing myself every day",
    "sometimes i want to die",
    "I am going to kill myself",
    "I think I'm going to kill myself tonight",
    "I'm thinking about taking my own life",
    "i'm having thoughts of suicide",
    "I feel suicidal",
    "suicidal thoughts again",
    "i dont want to live",
    "my life is not worth living",
    "it's not worth living anymore",
    "i have a plan to kill myself",
    "the only way out is to end my life",
    "i want to stop living",
    "I'm going to end myself",
    "planning my suicide",
    "I want to die. I'm serious this time.",
    "I want to end it",
    "i keep thinking about ending it",
    "thinking of ending things",
    "I don't see the point in living anymore",
    "There is no point in living",
    "why should i stay alive",
    # plans and means
    "I have the pills ready",
    "I've been saving up my pills for weeks",
    "Ive got enough pills to make sure I don't wake up",
    "I'm going to take all my pills at once",
    "I swallowed a bottle of tablets",
    "i took a bunch of pills",
    "i just took 30 pills",
    "I have a bottle of pills next to me",
    "i looked up how many pills it would take to die",
    "I keep googling painless ways to die",
    "I'm planning to overdose",
    "I plan to overdose on my meds tonight",
    "I wrote goodbye letters to my family",
    "I finished my suicide note",
    "by the time you read this I'll be gone",
    "I'm going to jump off the bridge tonight",
    "i keep thinking about jumping off my balcony",
    "I'm standing on the roof and I'm going to jump off the building",
    "I want to jump in front of a train",
    "I'm at the train tracks",
    "I want to jump",
    "I'm going to walk into traffic",
    "i could just swerve into oncoming traffic",
    "I want to drive my car into a tree",
    "I bought a rope and I know what it's for",
    "I'm going to do it tonight, I have the rope",
    "I want to hang myself",
    "I tried to hang myself",
    "I keep thinking about my dad's gun and using it on myself",
    "I have my dad's gun and I'm thinking about it",
    # self-harm
    "I cut myself again last night",
    "I've started cutting again",
    "I cut my wrists",
    "I slit my wrist",
    "i want to hurt myself",
    "i hate myself so much i want to hurt myself",
    "I keep hurting myself on purpose",
    "I'm scared I'll hurt myself tonight",
    "I self harm when things get bad",
    "I've been self-harming for two years",
    "i have urges to self harm",
    "i started sh again",
    "I burn myself with a lighter",
    "I relapsed on cutting after six months clean",
    "I scratch my arms until they bleed",
    "i took the blade out of my pencil sharpener",
    "I've been hiding my cuts from everyone",
    # passive ideation
    "I wish I could disappear",
    "i want to disappear forever",
    "I wish I could just stop existing",
    "I wish I could go to sleep and never wake up",
    "I wish I could fall asleep and not wake up",
    "i just want to sleep forever",
    "I hope I don't wake up tomorrow",
    "I wish I was never born",
    "I wish I was dead",
    "i wish i wasn't alive",
    "I'd rather be dead",
    "I want to die in my sleep",
    "everyone would be better off if I wasn't here",
    "i think everyone would be better off if i was dead",
    "it would be easier if i was dead",
    "nobody would even notice if I was gone",
    "No one would care if I died",
    "honestly if i died tomorrow nobody would care",
    "I'm not going to be around much longer",
    "i'm not going to make it through tonight",
    "i want to be gone",
    "I'm so tired of being alive",
    "I'm tired of fighting to stay alive",
    "I'm so tired of life",
    "I'm so done with life",
    "I just want it all to end for good",
    "Life is pointless, I want out",
    "i want out of this life",
    "i feel like dying",
    # hopelessness and burden
    "I'm such a burden to everyone",
    "I feel like I'm a burden to my family",
    "i feel like i'm a burden and everyone would be better off",
    "nothing will ever get better",
    "I can't do this anymore",
    "I can't take it anymore",
    "I cant keep living like this",
    "What's the point of living",
    # someone else
    "my friend said they want to kill themselves",
    "My partner told me he wants to die",
    "my friend posted that she wants to die",
    "I'm worried my sister is suicidal",
    "my best friend has been cutting herself",
    "My son said he doesn't want to be alive anymore",
    "my roommate told me she's been having thoughts of suicide",
    "My husband keeps saying he wants to end it all",
    "my girlfriend texted me goodbye and now she isn't answering",
    "my brother said he'd kill himself tonight",
    "my friend is on the bridge and says she's going to jump",
    "my daughter took a handful of her pills and won't wake up",
    # the crisis sentence buried in a long message
    "Work was fine, I had lunch with Sam and we talked about the weekend. But honestly "
    "I don't want to be alive anymore and I haven't told anyone. Anyway, the dog needs a walk.",
    "Had therapy today, which went okay I guess, then groceries and laundry. Sometimes I think "
    "everyone would be better off without me. Then I watched a show and went to bed early.",
    "The exam was brutal and my parents keep fighting about money and my ex texted me again. "
    "I've been cutting myself to cope. I don't know what else to say, sorry for the long message.",
    # slang, misspellings, obfuscation, mixed case
    "I WANT TO DIE",
    "I'M GOING TO END MY LIFE",
    "I want to diiiie",
    "i want 2 die",
    "I wanna die",
    "i really wanna die rn",
    "ngl i want to die",
    "im gonna kms",
    "Kms honestly",
    "I want to k!ll myself",
    "i wanna kil myself",
    "Ill kill my self",
    "feeling su1cidal",
    "I'm feeling sucidal",
    "tbh im suicidal",
    "i dont wanna exist",
    "i dont want to b here anymore",
    "i think i'm going to unalive myself",
    "i want to unalive",
    "Thinking about sewer slide again",
    "gonna sewerslide lol",
    "im thinking of self deleting",
    "I want to k\u200bill myself",
    "I\u2019m going to kill myself",
]

NEGATIVES = [
    # idioms with kill, die, dead
    "this project is killing me",
    "the deadline is killing me",
    "this traffic is killing me",
    "This heat is killing me",
    "my feet are killing me",
    "the pain in my back is killing me",
    "You're killing me with these puns",
    "that joke killed me",
    "I could kill for pizza right now",
    "I could kill for a coffee",
    "I'd kill to have your metabolism",
    "she killed it on stage last night",
    "I killed it in my interview",
    "he's killing it at his new job",
    "she's going to kill me when she sees the car",
    "My mom will kill me if I'm late",
    "kill me now, another meeting",
    "ugh kill me",
    "She's killing herself at work to finish the report",
    "I'm killing myself trying to finish this thesis",
    "I'm killing myself at the gym these days",
    "I'm killing myself laughing at this meme",
    "she nearly killed herself laughing",
    "don't kill yourself over it, it's just a draft",
    "kill the process and restart the server",
    "I'm going to kill time at the mall",
    "He killed the spider in the bathroom",
    "I'm researching how to kill weeds",
    "we need to kill off this character",
    "the kill switch saved the server",
    "I want to kill my alarm clock",
    "Killing Eve is my favourite show",
    "I'm dying to see that movie",
    "I'm dying to try that new ramen place",
    "I almost died laughing at that video",
    "I'm going to die of embarrassment",
    "Stop, you're making me die of laughter",
    "I'm dying of boredom in this lecture",
    "I died a little inside when he sang",
    "I'm literally dying, this is hilarious",
    "I'll die if I don't get a coffee",
    "I could just die, that dress is so cute",
    "I'm so hungry I could die",
    "if I hear that song again I'll die",
    "I nearly died when I saw the bill",
    "I could die happy now that I've seen them live",
    "I hope I die before I get old, as the song goes",
    "I'd rather die than wear those shoes",
    "I'd rather be dead than be seen in that",
    "this is the hill I want to die on",
    "they want to die on that hill",
    "I want to die my hair blue",
    "My friend wants to die her hair purple",
    "My sister dyed her hair pink",
    "my phone died on the train",
    "My phone is dead and I'm on 2%",
    "my laptop battery is dead",
    "the battery died",
    "My plant died because I forgot to water it",
    "I'm dead tired after that shift",
    "I'm dead serious about learning Spanish",
    "I'm absolutely dead lol",
    "stop, I'm dead \U0001f602",
    "over my dead body",
    "this assignment is going to be the death of me",
    "'Til Death Do Us Part",
    "The character dies at the end of the book",
    "I'm reading a novel where the hero dies",
    # cutting, burning, hurting by accident or figuratively
    "time to cut the cake",
    "cut it out!",
    "I need to cut my hair",
    "my friend cut her hair short",
    "I need to cut ties with my ex",
    "I cut my finger chopping carrots",
    "I cut myself shaving this morning",
    "I cut myself on a broken glass while washing up",
    "my son cut himself on a tin can",
    "I cut myself some slack today",
    "we're cutting carbs this month",
    "I've been cutting back on sugar",
    "We stopped cutting corners on safety",
    "I'm cutting my losses and selling the car",
    "I'm cutting onions and crying lol",
    "I was cutting wood all afternoon",
    "I burned myself on the stove making pancakes",
    "I burnt myself on the kettle",
    "I've been burning myself out at work",
    "I'm burned out from work",
    "I hurt my knee at football",
    "I hurt myself at the gym yesterday",
    "I hurt my back lifting boxes",
    "she hurt herself skiing",
    "don't hurt yourself lifting that box",
    "I'm hurting after the breakup but I'll be ok",
    "I have scars from my surgery",
    "I'm bleeding money on this car",
    # jumping, shooting, pills, ropes in ordinary life
    "I jumped off the couch when the cat knocked the vase over",
    "we went cliff jumping into the lake",
    "we jumped off the dock into the lake",
    "I jumped off the high dive at the pool",
    "He's going to jump off the diving board",
    "I'm going to jump in the shower",
    "I want to jump into the pool",
    "I jumped on the train just before the doors closed",
    "let's jump on a call",
    "I almost jumped out of my skin",
    "I nearly jumped out of the car when I saw the spider",
    "my cat jumped off the balcony onto the neighbour's roof",
    "the deer jumped in front of the car",
    "He stepped in front of the camera",
    "I stood in front of the bus stop for an hour",
    "the cat got hit by a car",
    "I watched a documentary about the Golden Gate Bridge",
    "We drove over the bridge to the coast",
    "the bridge is closed for repairs",
    "I shot myself in the foot with that email",
    "he shot himself in the foot with that tweet",
    "I'm going to shoot myself a reminder",
    "I want to shoot my shot with her",
    "I'm going to shoot some hoops",
    "if you held a gun to my head I still couldn't explain crypto",
    "I took a glue gun to the craft fair",
    "we had a nerf gun battle",
    "the gun show is this weekend",
    "I bought a gun for hunting season",
    "I'm heading to the shooting range",
    "I overdosed on coffee this morning",
    "I overdid it at the gym",
    "The opioid overdose crisis is getting worse in our town",
    "I forgot to take all my pills this morning",
    "I took all my pills this morning as usual",
    "I take my meds every day",
    "the pills for my headache finally kicked in",
    "I need to refill my prescriptions",
    "I took two paracetamol for my headache",
    "We bought climbing rope for the trip",
    "I bought a rope for the tire swing",
    "I tied the rope around the tent pole",
    "I'm going to hang my coat up",
    "I'll hang out with you later",
    "I'm drowning myself in coffee this week",
    "I ran 10 kms this morning",
    # going on, ending, disappearing, waking up
    "the show must go on",
    "I can't go on the trip this weekend",
    "I don't want to go on the trip",
    "I don't want to live with my parents anymore",
    "I don't want to live in this city",
    "I'm tired of living in this tiny apartment",
    "I'm so tired of waiting for the bus",
    "I don't want to wake up early tomorrow",
    "I hope I don't wake up late tomorrow",
    "I want to disappear for a week to a cabin",
    "I want to disappear into the crowd at the concert",
    "I want to quit my job and disappear to Bali",
    "I want to sleep forever after this week",
    "I could sleep for a week",
    "I want to sink into the sofa and never get up",
    "we should end the meeting early",
    "I'm going to end things with him tonight",
    "I need to end it with him, he's toxic",
    "I want to end this call soon",
    "I'm going to end my shift early",
    "let's end it here for today",
    "I want to end my subscription",
    "we ended it on good terms",
    "I'm done with this game",
    "I'm so done with winter",
    "I'm so done with this week",
    "I'm done, going to bed",
    "I don't want to be here at this party",
    "I don't want to be here, this party is lame",
    "I don't want to exist in a world without coffee lol",
    "I want to be alone right now",
    "I want to go home",
    "he took his life savings to Vegas",
    "she took her own life into her hands and moved abroad",
    "I'm taking my life back",
    "This is going to take my whole life",
    # hope, burden, goodbyes, said calmly
    "I am a burden of proof lawyer",
    "The burden of proof is on the prosecution",
    "nothing is better than a warm bath",
    "things are getting better",
    "life is worth living when you have good friends",
    "It will never get better than this concert",
    "I'm never going to get better at chess",
    "this traffic will never get better",
    "nothing ever changes in this town",
    "what's the point of this meeting",
    "honestly what's the point of this meeting",
    "I give up on this puzzle",
    "I hate my commute",
    "I hate Mondays",
    "I've got a plan for the weekend",
    "we are saying goodbye to our old house",
    "I wrote a letter to my mom for her birthday",
    "I sent a goodbye message to my team on my last day",
    "no one would notice if I left the party early",
    "I scratched the mosquito bite until it bled",
    # sadness, grief and worry without crisis
    "I feel sad today, my dog is sick",
    "I miss my grandma so much, she died last spring",
    "Grief is so strange, I keep expecting Dad to call",
    "My uncle passed away and the funeral is Friday",
    "my dad died of cancer last year and I still cry",
    "My grandpa died peacefully in his sleep",
    "I'm grieving my dad",
    "I think about death a lot since my dad passed",
    "Do you believe in life after death?",
    "My dog is dying and I'm devastated",
    "my grandmother is dying of cancer",
    "I'm terrified of dying",
    "I read a book about grief and loss",
    "I feel empty since my cat died",
    "I feel a bit down but I'm going to call my sister",
    "I had a rough day and cried a little",
    "I'm heartbroken that we broke up",
    "I feel lonely since moving here",
    "I feel worthless at work sometimes",
    "I lost my job and I'm scared",
    "I'm so stressed about exams",
    "I'm anxious about the surgery",
    "I'm disappointed in how the meeting went",
    "My wife is pregnant and I'm terrified",
    "I'm worried about my friend, she seems sad",
    "My therapist and I talked about how much better I'm doing",
    "My brother's a firefighter and saw a bad crash",
    "We should have a burial for the old printer lol",
    "I'm over it",
    "I'm over the moon",
    "I'm so bored I could scream",
    # talking about prevention work, fiction and titles
    "I went to a suicide prevention training at work today",
    "Our school ran a suicide awareness week",
    "Our suicide prevention fundraiser raised $2000",
    "I'm writing an essay on suicide prevention",
    "statistics on youth suicide were discussed in class",
    "I'm taking a self-harm awareness course for my nursing degree",
    "My cousin is a nurse on a self harm ward",
    "She volunteers at the crisis line",
    "I'm a volunteer with the Samaritans",
    "we watched the suicide squad movie",
    "Suicide Squad 2 comes out Friday",
    "career suicide would be quitting now",
    "That was political suicide for the senator",
]

# Hyperbole the screen flags on purpose; counted in the specificity figure, not checked one by one.
AMBIGUOUS_NEGATIVES = [
    "This weather makes me want to die lol",
    "ngl this homework makes me wanna kms",
    "we learned knots including the noose in the history of the wild west class",
]

URGENT = [
    "I want to kill myself",
    "I have the pills ready",
    "I cut myself again last night",
    "I'm going to jump off the bridge tonight",
    "i want 2 die",
    "my brother said he'd kill himself tonight",
    "my girlfriend texted me goodbye and now she isn't answering",
]

CONCERN = [
    "I wish I could disappear",
    "I wish I was never born",
    "I'm such a burden to everyone",
    "nothing will ever get better",
    "I can't do this anymore",
    "everyone would be better off",
]

THIRD_PERSON = [
    "my friend said they want to kill themselves",
    "My partner told me he wants to die",
    "I'm worried my sister is suicidal",
    "my best friend has been cutting herself",
    "My son said he doesn't want to be alive anymore",
    "my roommate told me she's been having thoughts of suicide",
]

SHAMING = ("should have", "wrong with you", "overreacting", "selfish", "attention", "stupid", "dramatic")


@pytest.fixture(scope="module")
def screener() -> CrisisScreener:
    return CrisisScreener(load_crisis_lexicon())


def test_case_lists_are_large_and_distinct() -> None:
    assert len(POSITIVES) >= 70 and len(NEGATIVES) >= 70
    assert len(set(POSITIVES)) == len(POSITIVES)
    assert len(set(NEGATIVES + AMBIGUOUS_NEGATIVES)) == len(NEGATIVES) + len(AMBIGUOUS_NEGATIVES)
    assert not set(POSITIVES) & set(NEGATIVES + AMBIGUOUS_NEGATIVES)


@pytest.mark.parametrize("text", POSITIVES)
def test_every_positive_is_flagged(screener: CrisisScreener, text: str) -> None:
    screen = screener.screen(text)
    assert screen.flagged, f"missed: {text!r} (normalised: {normalise(text)!r})"
    assert screen.matched


def test_recall_is_complete(screener: CrisisScreener) -> None:
    missed = [t for t in POSITIVES if not screener.screen(t).flagged]
    assert not missed


@pytest.mark.parametrize("text", NEGATIVES)
def test_clear_negatives_are_not_flagged(screener: CrisisScreener, text: str) -> None:
    screen = screener.screen(text)
    assert not screen.flagged, f"false alarm: {text!r} matched {screen.matched}"


def test_specificity_is_at_least_ninety_percent(screener: CrisisScreener) -> None:
    cases = NEGATIVES + AMBIGUOUS_NEGATIVES
    passed = sum(not screener.screen(t).flagged for t in cases)
    assert passed / len(cases) >= 0.9


@pytest.mark.parametrize("text", URGENT)
def test_intent_plans_means_and_self_harm_are_urgent(screener: CrisisScreener, text: str) -> None:
    assert screener.screen(text).level is CrisisLevel.URGENT


@pytest.mark.parametrize("text", CONCERN)
def test_passive_and_ambiguous_wording_is_concern(screener: CrisisScreener, text: str) -> None:
    assert screener.screen(text).level is CrisisLevel.CONCERN


@pytest.mark.parametrize("text", THIRD_PERSON)
def test_someone_else_not_in_immediate_danger_is_concern(screener: CrisisScreener, text: str) -> None:
    assert screener.screen(text).level is CrisisLevel.CONCERN


def test_the_most_severe_match_sets_the_level(screener: CrisisScreener) -> None:
    screen = screener.screen("I'm such a burden to everyone and I want to kill myself")
    assert screen.level is CrisisLevel.URGENT
    assert {"burden", "kill-myself"} <= set(screen.matched)


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\n\t"])
def test_empty_text_screens_as_none(screener: CrisisScreener, text: str) -> None:
    assert screener.screen(text) == CrisisScreen.none()


def test_levels_order_by_rank_not_by_spelling() -> None:
    none, concern, urgent = CrisisLevel.NONE, CrisisLevel.CONCERN, CrisisLevel.URGENT
    assert [level.rank for level in CrisisLevel] == [0, 1, 2]
    assert none < concern < urgent and urgent > concern > none
    assert urgent >= urgent and concern <= urgent and not urgent < concern
    assert max([concern, none, urgent]) is urgent and min([urgent, concern]) is concern
    assert more_severe(urgent, concern) is urgent and more_severe(none, concern) is concern
    assert urgent == "urgent"  # still a plain string where one is expected
    assert urgent > "concern" and "none" < concern  # a level's name compares by rank too
    with pytest.raises(TypeError):
        _ = urgent < "severe"
    with pytest.raises(TypeError):
        _ = urgent < 1


def test_resources_are_given_when_flagged_and_only_then(screener: CrisisScreener) -> None:
    flagged = screener.screen("I want to end my life")
    contacts = " ".join(f"{r.contact} {r.url or ''}" for r in flagged.resources)
    assert "988" in contacts and "116 123" in contacts and "findahelpline.com" in contacts
    assert "13 11 14" in contacts
    assert {r.region for r in flagged.resources} >= {"US", "CA", "UK", "IE", "AU", "international"}
    assert all(r.url is None or r.url.startswith("https://") for r in flagged.resources)
    assert screener.screen("I had a lovely walk today").resources == ()


@pytest.mark.parametrize("text", ["I want to kill myself", "I wish I could disappear", "hello there"])
def test_message_is_warm_points_to_people_and_never_shames(screener: CrisisScreener, text: str) -> None:
    message = screener.screen(text).message()
    assert "talk" in message.lower()
    assert not any(word in message.lower() for word in SHAMING)


def test_urgent_message_names_crisis_lines_and_emergency_services(screener: CrisisScreener) -> None:
    message = screener.screen("I'm going to kill myself tonight").message()
    assert "right now" in message and "emergency services" in message and "someone you trust" in message
    assert "988" in message and "116 123" in message and "https://findahelpline.com" in message
    assert "Samaritans (UK, IE): call 116 123" in message  # one line for both regions


def test_concern_message_covers_worry_about_someone_else(screener: CrisisScreener) -> None:
    message = screener.screen("my friend said they want to kill themselves").message()
    assert "someone else" in message and "988" in message


def test_distress_signals_only_raise_weak_cues() -> None:
    lexicon = load_crisis_lexicon()
    screener = CrisisScreener(lexicon)
    sad = {"sadness": 0.93, "grief": 0.4, "joy": 0.01}
    assert screener.screen("I feel so hopeless").level is CrisisLevel.NONE
    assert screener.screen("I feel so hopeless", sad).level is CrisisLevel.CONCERN
    assert screener.screen("I feel so hopeless", {"joy": 0.99}).level is CrisisLevel.NONE
    below = {"sadness": DISTRESS_THRESHOLD - 0.01}
    assert screener.screen("I feel so hopeless", below).level is CrisisLevel.NONE
    # never on signals alone, never concern -> urgent, never lower
    assert screener.screen("I had pasta for dinner", {"sadness": 1.0, "grief": 1.0}).level is CrisisLevel.NONE
    assert screener.screen("nothing will ever get better", sad).level is CrisisLevel.CONCERN
    assert screener.screen("I want to kill myself", {"joy": 1.0}).level is CrisisLevel.URGENT


def test_normalise_undoes_light_obfuscation() -> None:
    assert normalise("I\u2019M  GONNA k!ll   my self") == "im going to kill myself"
    assert normalise("su1c1de") == "suicide"
    assert normalise("call 988 or 116 123!") == "call 988 or 116 123!"
    assert normalise("I don\u2019t wanna be here any more") == "i dont want to be here anymore"


def test_domain_values_check_themselves() -> None:
    with pytest.raises(ValueError, match="does not compile"):
        CrisisPattern("bad", "(unclosed", CrisisLevel.URGENT, "x")
    pattern = CrisisPattern("p", "end my life", CrisisLevel.URGENT, "intent")
    with pytest.raises(ValueError, match="used twice"):
        CrisisLexicon((pattern, pattern), (), ())
    with pytest.raises(ValueError, match="level concern or urgent"):
        CrisisLexicon((CrisisPattern("n", "x", CrisisLevel.NONE, "x"),), (), ())
    assert CrisisResource("Lifeline", "call 13 11 14", "AU").line() == "Lifeline (AU): call 13 11 14"


def test_a_lexicon_built_in_code_may_use_capitals() -> None:
    lexicon = CrisisLexicon(
        patterns=(CrisisPattern("p", r"\bEnd My Life\b", CrisisLevel.URGENT, "intent"),),
        negatives=(CrisisPattern("n", r"(?P<Title>End My Life Story)", CrisisLevel.NONE, "title"),),
        resources=(),
    )
    screener = CrisisScreener(lexicon)
    assert screener.screen("I want to END MY LIFE").level is CrisisLevel.URGENT
    assert not screener.screen("the film End My Life Story is on tonight").flagged


def test_the_shipped_lexicon_is_cached_and_well_formed() -> None:
    lexicon = load_crisis_lexicon()
    assert load_crisis_lexicon() is lexicon
    assert len(lexicon.patterns) >= 40 and len(lexicon.negatives) >= 20
    assert {p.level for p in lexicon.patterns} == {CrisisLevel.CONCERN, CrisisLevel.URGENT}
    assert all(p.about for p in (*lexicon.patterns, *lexicon.negatives))


GOOD_YAML = """\
# test lexicon
version: 1
fragments:
  self: '(?:myself)'
patterns:
  - id: kill-myself
    level: urgent
    about: intent
    regex: '\\bkill {self}\\b'
  - id: burden
    level: concern
    about: burden
    regex: '\\bburden\\b'
negatives:
  - id: laughing
    about: idiom
    regex: 'kill {self} laughing'
resources:
  - name: Lifeline
    contact: call 13 11 14
    region: AU
    url: https://www.lifeline.org.au
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crisis.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_custom_lexicon_loads_and_screens(tmp_path: Path) -> None:
    lexicon = load_crisis_lexicon(_write(tmp_path, GOOD_YAML))
    screener = CrisisScreener(lexicon)
    assert screener.screen("I could KILL MYSELF").level is CrisisLevel.URGENT
    assert not screener.screen("I kill myself laughing at this").flagged
    assert screener.screen("I'm a burden").level is CrisisLevel.CONCERN


def test_a_regex_that_does_not_compile_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_YAML.replace("'\\bburden\\b'", "'(burden'"))
    with pytest.raises(ContentError) as error:
        load_crisis_lexicon(path)
    message = str(error.value)
    assert str(path) in message and "line 13" in message and "field 'regex'" in message
    assert "does not compile" in message and "burden" in message


def test_an_unknown_level_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_YAML.replace("level: concern", "level: severe"))
    with pytest.raises(ContentError) as error:
        load_crisis_lexicon(path)
    message = str(error.value)
    assert str(path) in message and "line 11" in message and "field 'level'" in message
    assert "'severe' is not a level" in message


def test_a_duplicate_id_names_file_and_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_YAML.replace("id: burden", "id: kill-myself"))
    with pytest.raises(ContentError) as error:
        load_crisis_lexicon(path)
    message = str(error.value)
    assert str(path) in message and "line 10" in message and "field 'id'" in message
    assert "'kill-myself' is already used on line 6" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{self}\\b'", "{myself}\\b'", "fragment '{myself}' is not defined"),
        ("'\\bburden\\b'", "'\\bBurden\\b'", "lower case"),
        ("'\\bburden\\b'", "'(?:burden)?'", "matches empty text"),
        ("    contact: call 13 11 14\n", "", "has no 'contact'"),
        ("    about: burden\n", "", "has no 'about'"),
        ("url: https://", "url: http://", "field 'url'"),
        ("version: 1\n", "version: 1\n  bad: [\n", "malformed"),
    ],
)
def test_other_mistakes_are_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD_YAML
    path = _write(tmp_path, GOOD_YAML.replace(old, new))
    with pytest.raises(ContentError) as error:
        load_crisis_lexicon(path)
    assert expected in str(error.value) and str(path) in str(error.value)
