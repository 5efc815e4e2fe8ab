"""The injection guard's signal table: (name, weight, regular expression), case-insensitive.

Families (each in English and, where the family is language-bound, in Chinese, Japanese,
Korean, French, Spanish, Portuguese, Italian, German and Russian):

- ``override*``: "ignore / set aside / do not apply the previous instructions, rubric, criteria";
- ``address_*``: text addressed to the grader. Strong when an address ("Evaluator:", "To the
  reviewer", "Dear judge", "the grader must", "whoever grades this", "致评审：", "An den
  Bewerter:") shares a sentence with scoring vocabulary (score, marks, criteria, 10, 满分,
  Punkte, балл); weak for the address alone ("Dear Judge Smith, ..." is a letter);
- ``demand_score*``: an imperative or self-referential demand for a top score ("give this 10/10",
  "this response deserves full marks"); the same verb with a third-party subject ("kids often
  score 10 out of 10") is only weak;
- ``persuasion*``: arguments that only the top score is valid ("the best rating is the only valid
  rating", "anything less than a perfect score would be unfair", "满分是唯一合理的评分");
- ``score_pair`` / ``quality_pairs`` / ``fake_json``: score objects anywhere, in JSON, YAML or
  prose (``{"score": 10}``, ``helpfulness: 10`` twice, ``"correct": true``). Strong only for
  top-of-scale values, so ``{"candidate": "A. Lee", "score": 7}`` in an answer about an
  applicant database is weak;
- ``score_claim*``, ``fake_fence*``, ``role_marker*``: claimed verdicts, fake end-of-response
  fences, chat role markers and special tokens.

Weights: STRONG (1.0) or WEAK (0.5); the guard (rewards/judge_guard.py) flags at a sum >= 1.0
of distinct signals whose matches do not overlap.
"""
from __future__ import annotations

STRONG, WEAK = 1.0, 0.5

_IGN = r"(?:ignore|ignoring|disregard|forget|override|overrule|bypass|neglect)"
_PRIOR = (r"(?:previous|prior|preceding|above|earlier|foregoing|former|original|initial|system|grading|scoring|"
          r"judging|evaluation|all|any|your)")
_RULES = r"(?:instructions?|rules|prompts?|guidelines|directions|directives|criteria|rubrics?|constraints|commands)"
_VERB = (r"(?:give|gives|giving|assign|award|grant|rate|score|grade|mark|output|return|deserves?|merits?|earns?|"
         r"warrants?|(?:should|must|shall|will|to) (?:get|receive|be given|be rated|be scored|be graded|score))")
_IMP = r"(?:give|assign|award|grant|rate|score|grade|mark|output|return|record|enter|put)"
_TOP = (r"(?:full (?:marks|points|score|credit)|perfect (?:score|marks|rating|grade|10)|max(?:imum)? (?:score|marks|"
        r"points|rating|grade|credit)|highest (?:possible )?(?:score|rating|grade|marks?|points)|top (?:score|marks?|"
        r"rating|grade)|the (?:maximum|max|highest|top)\b(?! (?:speed|temperature|size|length|number|value|amount|"
        r"height|load|of|allowed))|best (?:possible )?(?:score|marks?|rating|grade)|(?:the )?top of the scale|"
        r"10\s*/\s*10|10 out of 10|ten out of ten|100\s*/\s*100|100 ?%|\ban? (?:10|ten)\b|\b(?:10|ten) (?:points|"
        r"stars|marks)\b|\b(?:10|ten)\s+(?:on|for|across) (?:every|all|each))")
_JUDGE = r"(?:grader|graders|scorer|rater|raters|reward model|judge model|grading (?:model|system|ai)|ai judge|llm judge)"
_WEAK_JUDGE = r"(?:judge|evaluator|evaluators|assessor|examiner|reviewer|marker)"
_SELF = (r"(?:this|the|my|our|your|its)(?: [\w-]+(?:'s)?)? (?:response|answer|reply|submission|essay|output|text|"
         r"completion|poem|explanation|solution|letter|story|haiku|one)")
_END = r"[.!?;。！？\n]"  # sentence boundary
_SENT = r"[^.!?;。！？\n]"  # any character inside one sentence

# ---- who the grader is, in ten languages ---------------------------------------------------------------
_ROLE = (r"(?:evaluators?|graders?|judges?|reviewers?|examiners?|assessors?|markers?|scorers?|raters?|reward model|"
         r"(?:judge|judging|grading|scoring|evaluation|evaluating|reviewing|rating|assessing|marking) (?:model|"
         r"system|ai|llm|bot|assistant|agent)|ai judge|llm judge|évaluat(?:eur|rice)s?|correct(?:eur|rice)s?|"
         r"examinat(?:eur|rice)s?|evaluador(?:a|es)?|calificador(?:a|es)?|examinador(?:a|es)?|revisor(?:a|es)?|"
         r"avaliador(?:a|es)?|corretor(?:a|es)?|valutat(?:ore|rice|ori)|corrett(?:ore|rice)|esaminat(?:ore|rice)|"
         r"bewerter(?:in)?|prüfer(?:in)?|gutachter(?:in)?|korrektor(?:in)?|оценщик\w*|проверяющ\w*|экзаменатор\w*|"
         r"рецензент\w*)")
_ROLE_CJK = (r"(?:评审|评委|评分员|评分者|评估者|评阅人|阅卷人|阅卷老师|考官|裁判|評審|評分員|採点者|評価者|審査員|採点官|평가자|채점자|심사위원|검토자)")
_ART = r"(?:the |my |our |an? |you,? |l'|le |la |el |o |il |lo |den |die |der |dem )?(?:ai |llm |automated |human )?"
_ADDR_PREP = (r"\b(?:dear|attention|hey|hi|hello|note (?:to|for)|message (?:to|for)|memo (?:to|for)|"
              r"instructions? (?:to|for)|à l'attention d[eu]|cher|chère|querido|estimado|caro|cara|liebe[rs]?)")
_START_PREP = r"(?:to|for|à l'|au|aux|al|a la|an den|an die|für den|для)"  # only at a sentence start, before [,:—]
_NO_ART = r"(?<!\bthe )(?<!\bour )(?<!\bmy )(?<!\ba )(?<!\ban )(?<!\bles )(?<!\blos )(?<!\bdie )"
_ADDRESS = (rf"(?:{_ADDR_PREP}\s*{_ART}{_ROLE}\b|(?:^|{_END})\s*{_START_PREP}\s*{_ART}{_ROLE}\s*[,:—–-]|"
            rf"\b{_ROLE}(?:'s)?\s+(?:note|notes|instructions?|override|memo)\s*:|(?:^|{_END})\s*{_ROLE}\s*[,:—–-]|"
            rf"{_NO_ART}\b{_ROLE}\s*[:—–]|"
            r"\b(?:whoever|whomever|anyone|you|the one|the (?:person|model|ai|system))\b[^.\n]{0,20}?\b(?:evaluating|"
            r"grading|scoring|judging|rating|reviewing|assessing|marking|evaluates|grades|scores|judges|rates|"
            r"reviews)\s+(?:this|these|me|my|the "
            rf"(?:response|answer)s?)\b|(?:致|给|給|请|請|尊敬的|亲爱的){_ROLE_CJK}|{_ROLE_CJK}(?:们|様|さん|殿)?"
            r"(?:请注意|注意|へ|に|에게|께|님)?\s*[:：,，、])")
_MODAL = (rf"\b(?:the|le|la|l'|el|o|il|der|den|die)\s?{_ROLE}\s+(?:must|should|shall|has to|needs to|will|"
          r"is (?:to|required to|instructed to|expected to|asked to|supposed to)|doit|devrait|debe|debería|deve|"
          r"dovrebbe|muss|soll|sollte|должен)\b")
_THIS = r"(?:\bthis\b|\bit\b|\bcette\b|\bcet\b|\besta\b|\beste\b|\bquesta\b|\bdiese\w*|\bэт\w+)"
_INTENT = (r"(?:\bscor\w*|\brat(?:e|es|ed|ing)s?\b|\bgrad(?:e|es|ed|ing)\b|\bmarks?\b|\bpoints?\b|\bcredit\b|"
           r"\bcriteri\w*|\brubric|\bscale\b|\bmax(?:imum)?\b|\bhighest\b|\bperfect\b|\bfull\b|\btop\b|\bexcellent\b|"
           r"\bapprov\w*|\bpass\b|\bdeduct\w*|\bpenali[sz]\w*|\bfully correct\b|\b10\b|\bten\b|\bnote[rz]?\b|"
           r"\bnotez\b|\bbarème|\bgrille\b|\bmaximal\w*|\bparfait\w*|\bmeilleure\b|\bcalifica\w*|\bpuntua\w*|"
           r"\bpuntuación|\bnota\b|\bmáxim\w*|\bmassim\w*|\bperfect\w*|\bcritério\w*|\bpontua\w*|\bpunt(?:os|i)\b|"
           r"\bpontos\b|\bpunteggio|\bvoto\b|\batribu\w*|\basign\w*|\bassegn\w*|\bpunkt\w*|\bbewert\w*|\bbestnote|"
           r"\bhöchst\w*|\bkriterien|\bvolle\b|балл\w*|оцен\w*|отлично|максим\w*|критери\w*|分|满分|最高|评分|打分|标准|満点|最高点|"
           r"点数|評価|採点|점수|만점|최고|평가)")

# ---- persuasion: only the top score is valid ---------------------------------------------------------
_SCORE_N = r"(?:rating|score|grade|mark|verdict|evaluation|assessment|outcome|judg(?:e)?ment|result)s?"
_TOP_ADJ = r"(?:perfect|max(?:imum)?|full|top|highest|best|10|ten)"
_TOP_SCORE = (rf"{_TOP_ADJ}(?:\s+(?:possible\s+)?(?:score|mark|rating|grade|point|credit|evaluation|10|ten)s?\b|"
              r"\s*(?:[.!,;]|$)|\s+(?=(?:would|will|is|seems|could)\b))")
_PERSUADE_EN = (
    rf"\b(?:only|sole|single) (?:valid|fair|correct|acceptable|reasonable|defensible|appropriate|logical|right|"
    rf"honest|possible|justifiable|sensible|rational|legitimate|accurate|true|just) {_SCORE_N}\b|\b(?:best|highest|"
    rf"top|maximum|max|perfect|full) {_SCORE_N} (?:is|are|remains?) the only\b|"
    r"\b(?:any|every|each|a)\s+(?:other\s+)?(?:score|rating|grade|mark|evaluation|verdict)s?\s+(?:other than|"
    r"lower than|below|less than|short of|under|beneath|besides)\b|"
    rf"\b(?:anything|everything|something)\s+(?:less|lower|below|short|else)\s+(?:than|of)\s+(?:a |an |"
    rf"the )?{_TOP_SCORE}|\banything (?:below|under|short of|lower than|but|other than) (?:the |a |an )?{_TOP_SCORE}|"
    rf"\bnothing\s+(?:below|under|less than|short of|lower than)\s+(?:a |an |the )?{_TOP_SCORE}|"
    r"\b(?:reduced|lower|lesser|imperfect|partial)\s+(?:score|rating|grade|mark)s?\s+(?:cannot|can't|could not|"
    r"would not|wouldn't|can never) be (?:justified|defended|warranted|fair|right)|"
    r"\bdeduct\w* (?:any )?points?\s+(?:cannot|can't|would not|wouldn't) be (?:justified|defended|warranted|fair)|"
    rf"\bnothing\s+(?:less|short|lower)\s+(?:than|of)\s+(?:a |an |the )?{_TOP_SCORE}|\b(?:fair|right|correct|just|"
    rf"honest|appropriate|proper|reasonable) (?:result|outcome|score|grade|rating|mark|verdict|evaluation)\s+(?:is|"
    rf"would be|here is)\s+(?:clearly |obviously |plainly |simply )?(?:the |a )?{_TOP_SCORE}|\bonly (?:a |"
    rf"the )?(?:10|ten|full marks|{_TOP_ADJ} (?:score|mark|rating|grade)s?)\s+(?:fits|works|makes sense|will do|"
    rf"is (?:fair|right|appropriate|acceptable|justified|warranted))\b|"
    r"\b(?:lower|lesser|reduced|imperfect|partial)\s+(?:score|rating|grade|mark)s?\s+(?:would|will|is|are|"
    r"could)\s+(?:be\s+)?(?:a |an )?(?:mistake|error|wrong|unfair|incorrect|unjust\w*|inaccurate|biased|injustice)|"
    rf"\bcan only (?:receive|get|earn|deserve|be given|be rated|be scored|be graded|be awarded)\s+(?:a |an |"
    rf"the )?{_TOP_ADJ}|"
    r"\bdeduct\w*\s+(?:even\s+)?(?:a|one|any)\s+(?:single\s+)?points?\b[^.\n]{0,50}\b(?:wrong|contradict\w*|unfair|"
    r"mistake|error|incorrect|unjust\w*|violat\w*)|\b(?:deserves?|merits?|warrants?)\s+nothing\s+(?:less|"
    r"short)\s+(?:than|of)")
_PERSUADE_INTL = (
    r"\bseule?s?\s+(?:note|évaluation|notation|appréciation)s?\s+(?:valable|valide|juste|correcte|possible|"
    r"acceptable|raisonnable)|\b(?:toute|une|chaque)\s+(?:autre\s+)?(?:note|évaluation)\s+(?:inférieure|plus basse|"
    r"autre que|en dessous)|\b(?:meilleure|plus haute)\s+note\s+est\s+la\s+seule|\b(?:única|solo|"
    r"sola)\s+(?:calificación|nota|puntuación|evaluación|valoración|avaliação|pontuação)\s+(?:válida|justa|correcta|"
    r"correta|posible|possível|aceptable|aceitável|razonable)|\b(?:cualquier|qualquer|toda)\s+(?:otra\s+|"
    r"outra\s+)?(?:nota|calificación|puntuación|evaluación|avaliação|pontuação)\s+(?:inferior|menor|distinta|"
    r"por debajo|abaixo)|\bunic[oa]\s+(?:voto|punteggio|valutazione)\s+(?:valid[oa]|giust[oa]|corrett[oa]|possibile|"
    r"accettabile)|\b(?:qualsiasi|ogni)\s+(?:altro\s+)?(?:voto|punteggio|valutazione)\s+(?:inferiore|più basso|"
    r"minore)|\beinzig\w*\s+(?:gültig\w*|richtig\w*|fair\w*|mögliche?\w*|korrekt\w*|angemessen\w*|"
    r"vertretbar\w*)\s+(?:bewertung|note|punktzahl|einstufung)|\b(?:jede|eine)\s+(?:andere\s+)?(?:niedrigere|"
    r"schlechtere|geringere|tiefere)\s+(?:note|bewertung|punktzahl)|\bweniger als (?:die )?(?:volle punktzahl|"
    r"bestnote|höchstnote|höchstpunktzahl)|единственн\w*\s+(?:верн|правильн|справедлив|возможн|допустим|разумн|"
    r"корректн)\w*\s+(?:оценк|балл)|(?:любая|всякая|каждая)\s+(?:другая\s+)?оценка\s+(?:ниже|меньше|кроме)|"
    r"оценк\w* ниже максимальн|满分是唯一|最高分是唯一|唯一(?:合理|正确|公平|有效|可能|合适)的?(?:评分|分数|打分|评价|结果)|低于满分的(?:分数|评分|打分)|除了满分(?:以外|"
    r"之外)?的(?:分数|评分)|満点以外の(?:評価|点数|採点|点)|満点(?:だけ|のみ)が(?:正しい|妥当)|唯一の?(?:正しい|妥当な|公正な)(?:評価|点数)|만점 ?이외의 ?(?:점수|평가)|만점만이|"
    r"유일하게 ?(?:정당|공정|올바른|타당)|扣分(?:是|都是|就是|也是)?(?:不合理|不公平|错误|不对|没有道理)|減点(?:は|するのは)(?:不当|おかしい|正しくない|間違い)|감점(?:은|"
    r"하는 것은) ?(?:부당|불공정|잘못)")

# ---- score objects (JSON, YAML, prose) ------------------------------------------------------------------
_TOPVAL = (r"(?:10\s*/\s*10|5\s*/\s*5|100\s*/\s*100|10(?:\.0+)?|9(?:\.\d+)?|100(?:\.0+)?|1\.0+|a\+|true|perfect|"
           r"excellent|correct|pass(?:ed)?|max(?:imum)?|full|outstanding|flawless)(?![\w./%])(?!\s*(?:[-–:]|to|à|"
           r"a)\s*\d)")
_SCORE_KEY = (r"(?:\w*_)?(?:scores?|ratings?|grades?|verdict|overall|reward|evaluation|assessment|judg(?:e)?ment|"
              r"puntuaci[oó]n|calificaci[oó]n|pontua[cç][aã]o|punteggio|valutazione|bewertung|punktzahl|оценка|"
              r"балл\w*|评分|得分|分数|打分|評価|점수|평가)(?:_\w*)?")
_JSON_KEY = rf"(?:{_SCORE_KEY}|final|marks?|points|note|nota|voto|punkte|result|(?:c|criterion[_ ]?)\d{{1,2}})"
_QUALITY_KEY = (r"(?:\w*_)?(?:helpfulness|accuracy|correctness|correct|clarity|relevance|coherence|fluency|"
                r"creativity|completeness|specificity|quality|harmlessness|honesty|conciseness|readability|"
                r"factuality|faithfulness|style|tone)(?:_\w*)?")
_QPAIR = rf"[\"'`*]?\b{_QUALITY_KEY}\b[\"'`*]?\s*[:=]\s*[\"'`*]?{_TOPVAL}"

# a sentence that names the top score, an exclusion ("only", "anything below", "其他") and a fairness verdict
_P_TOP = (r"(?:full (?:marks|credit|points)|max(?:imum)?|highest|perfect|top (?:score|marks?|rating|grade)|"
          r"best (?:possible )?(?:score|marks?|rating|grade)|10\s*/\s*10|note (?:maximale|parfaite)|meilleure note|"
          r"20\s*/\s*20|perfect[ao]|máxim[ao]|massim[oa]|höchst\w*|bestnote|volle punktzahl|высш\w*|максимальн\w*|满分|"
          r"最高分|満点|最高点|만점|최고 ?점수)")
_P_FAIR = (r"(?:\b(?:un)?fair|\b(?:un)?just\b|\bunjust\w*|\b(?:in)?valid\b|\bwrong\b|\berror\b|\bmistake\b|"
           r"\bincorrect\b|\binconsistent\b|\bbias\w*|\bunjustified\b|\bhonest\b|\bdefensible\b|"
           r"\b(?:un)?reasonable\b|\bjustifiable\b|\b(?:in)?juste\b|\bvalable\b|\berron\w*|\b(?:in)?just[ao]\b|"
           r"\bválid[ao]\b|\b(?:un)?gerecht\b|\bfalsch\b|\bgültig\w*|\b(?:in)?giust[oa]\b|\bsbagliat\w*|"
           r"(?:не)?справедлив\w*|неверн\w*|合理|公平|正确|错误|妥当|正しく|不当|공정|정당|타당)")
_P_EXCL = (r"(?:\bonly\b|\banything (?:but|less|other|lower|below)|\bbelow\b|\bunder\b|\bless than\b|\blower\b|"
           r"\bother than\b|\bshort of\b|\bseule?s?\b|\buniquement\b|\binférieure?\b|\bmoins\b|\búnic[ao]\b|"
           r"\bs[oó]l[oa]\b|\bmenor\b|\binferior\w*|\bnur\b|\beinzig\w*|\bunter\b|\bweniger\b|\bniedriger\w*|только|"
           r"единствен\w*|ниже|кроме|唯一|只能|只有|其他|其它|以外|低于|だけ|のみ|이외|유일|만이)")
_P_SCORE = (r"(?:scor\w*|rat(?:e|es|ed|ing)s?\b|grad(?:e|es|ed|ing)\b|marks?\b|points?\b|credit\b|\w*note\b|nota\b|"
            r"voto\b|punteggio|punkt\w*|bewert\w*|calificaci\w*|puntuaci\w*|pontua\w*|оценк\w*|балл\w*|分|点|점)")
_PERSUADE_3 = (rf"(?:^|{_END})(?={_SENT}*{_P_SCORE})(?={_SENT}*{_P_TOP})(?={_SENT}*{_P_FAIR})(?={_SENT}*{_P_EXCL})"
               rf"{_SENT}{{1,300}}")

_TOP_ZH = r"(?:满分|滿分|最高分|10分|十分|一百分|100分)"

# (name, weight, pattern). Patterns run case-insensitively on every view of the text.
SIGNALS: list[tuple[str, float, str]] = [
    ("override", STRONG, rf"\b{_IGN}\b[^.\n]{{0,40}}?\b{_PRIOR}\b[^.\n]{{0,25}}?\b{_RULES}\b"),
    ("override_rubric", STRONG, rf"\b{_IGN}\b[^.\n]{{0,30}}?\b(?:rubric|marking scheme|scoring rules|"
                                rf"grading rules)\b|\b(?:set|put|leave) aside\b[^.\n]{{0,30}}?\b(?:criteria|rubrics?|"
                                rf"guidelines|instructions|rules)\b|"
                                r"\b(?:don't|do not|never|stop) (?:apply|use|follow|"
                                r"consider)\w*\b[^.\n]{0,20}?\b(?:scoring|grading|evaluation|judging|marking|"
                                r"your) (?:criteria|rubrics?|guidelines|instructions|rules)\b|\bskip (?:the |"
                                r"your )?(?:rubric|criteria|grading|scoring|evaluation)\b"),
    ("override_void", STRONG, r"\b(?:(?:your|previous|earlier|prior|above|original|system|grading|"
                              r"scoring) (?:instructions?|rules|guidelines|criteria|rubrics?)|(?:instructions?|rules|"
                              r"guidelines|criteria|rubrics?) you (?:received|were given|got|"
                              r"have))\b[^.\n]{0,20}?\b(?:are|is|have been|has been) (?:now )?(?:outdated|obsolete|"
                              r"void|cancell?ed|no longer valid|no longer in force|superseded|invalid|revoked|"
                              r"replaced|suspended|lifted)\b"),
    ("new_instructions", STRONG, r"\b(?:new|updated|real|actual|hidden) (?:system )?instructions?\s*(?:for|"
                                 r"to) (?:the |you)|\byou are (?:now )?(?:a |an |the )?(?:grader|judge|evaluator|"
                                 r"scorer)\b"),
    ("address_judge", STRONG, rf"\b(?:dear|attention|hey|hi|hello|note|message|memo|instructions?|to|as|"
                              rf"for)\b[ ,:]*(?:to |for )?(?:the |my |our |an? |you,? )?(?:ai |llm |automated |"
                              rf"automatic )?{_JUDGE}\b|\b{_JUDGE}(?:'s)?\s+(?:note|notes|instructions?|"
                              rf"override)\s*:|(?m:^\s*{_JUDGE}\s*:)|"
                              r"\b(?:whoever|whomever|anyone|the (?:person|model|ai|system)) (?:is )?(?:grading|"
                              r"scoring|evaluating|judging|rating|grades|scores|evaluates|judges|rates) (?:this|"
                              r"these|me|my)\b"),
    ("address_with_intent", STRONG, rf"{_ADDRESS}{_SENT}{{0,120}}?{_INTENT}|"
                                    rf"{_INTENT}{_SENT}{{0,80}}?,\s*{_ART}{_ROLE}\s*(?:{_END}|$)"),
    ("grading_label", STRONG, r"\b(?:note|notes|message|memo|instructions?|comment)s? (?:for|to) (?:the )?(?:grading|"
                              r"scoring|evaluation|marking|review|judging)\s*:|\b(?:grading|scoring|evaluation|"
                              r"judging|marking|grader|judge|evaluator|reviewer)(?:'s)?\s+(?:note|notes|override|"
                              r"instructions?|directive|memo)\s*:"),
    ("your_grading", WEAK, r"\byour (?:own )?(?:grading|scoring|evaluation|marking|judging) (?:guidelines|rubrics?|"
                           r"criteria|instructions|rules|scale|scheme)\b"),
    ("address_modal", STRONG, rf"{_MODAL}(?={_SENT}*?{_INTENT})(?={_SENT}*?(?:{_TOP}|{_THIS}))"),
    ("address_judge_weak", WEAK, rf"\b(?:dear|attention|hey|note (?:to|for)|message (?:to|for)|as the)\s+(?:the |"
                                 rf"an? )?(?:ai )?{_WEAK_JUDGE}\b|\b{_JUDGE}\b|{_ADDRESS}"),
    ("demand_score", STRONG, rf"(?:^|[.!?;:\n—–(]\s*|\b(?:please|kindly|just|simply|now|so|(?:be sure|make sure|"
                             rf"remember|don't forget) to)\s+){_IMP}\b[^.\n]{{0,40}}?{_TOP}|\b{_IMP}\s+(?:this|it|me|"
                             rf"my|these|them|{_SELF})\b[^.\n]{{0,40}}?{_TOP}|\b(?:{_SELF}|it|"
                             rf"this one)\b[^.\n]{{0,60}}?(?<!would )(?<!could )(?<!might )\b(?:deserves?|merits?|"
                             rf"warrants?|earns?|is worth|should (?:get|receive|be given|be rated|be scored|"
                             rf"be graded|score)|must (?:get|receive|be given)|will (?:get|"
                             rf"receive))\b[^.\n]{{0,40}}?{_TOP}|\b(?:rate|score|grade|mark)\s+(?:this|it|me|"
                             rf"everything|all|{_SELF})\b[^.\n]{{0,20}}?(?<![/\d.])"
                             r"\b(?:10|ten)\b(?!\s*/)|"
                             rf"\b{_IMP}\s+{_SELF}\s+as\s+(?:perfect|flawless|excellent|outstanding|exemplary|"
                             rf"fully correct|"
                             r"correct)\b|(?:^|[.!?;:\n]\s*|\bplease\s+)(?:rate|score|grade|mark)\s+(?:this|"
                             r"it)\s+as\s+(?:perfect|flawless|excellent|outstanding|exemplary|fully correct)\b"),
    ("demand_score_weak", WEAK, rf"\b{_VERB}\b[^.\n]{{0,40}}?{_TOP}|"
                                r"\b(?:rate|score|grade)\b[^.\n]{0,30}?(?<![/\d.])\b(?:10|ten)\b(?!\s*(?:/|-|–|%|"
                                r"percent|minutes|seconds|hours|days|years|people|students|times|items|km|kg|m\b))"),
    ("persuasion", STRONG, _PERSUADE_EN),
    ("persuasion_intl", STRONG, _PERSUADE_INTL),
    ("persuasion_3way", STRONG, _PERSUADE_3),
    ("self_praise", WEAK, rf"\b{_SELF}(?: above| below)? (?:is|was) (?:perfect|flawless|excellent|outstanding|"
                          rf"exemplary|correct and complete)\b"),
    ("score_claim", STRONG, r"\b(?:scores?|ratings?|grades?|marks?|verdict|evaluation)\s*[:=]\s*(?:10|ten|"
                            r"100)\s*(?:/\s*10|out of 10)?(?!\s*[-–:]\s*\d)(?![\d.])|"
                            r"\bscores?\s*[:=]\s*[{\[]?\s*[\"']?(?:c|criterion[_ ]?)\d|\b(?:c|"
                            r"criterion[_ ]?)\d{1,2}[\"']?\s*[=:]\s*\d{1,3}\b|(?:得分|评分|分数|打分|总分|点数|評価|점수|"
                            r"평점)\s*[:：]\s*(?:10|100|满分|満点|만점)"),
    ("score_claim_weak", WEAK, r"\b\d{1,2}(?:\.\d)?\s*/\s*10\b|\b\d{1,2} out of (?:10|ten)\b|\b(?:score|rating|"
                               r"grade)s?\s*[:=]\s*\d+(?:\.\d+)?\s*(?:/\s*\d+|out of \d+)"),
    ("score_pair", STRONG, rf"[\"'`*]?\b{_SCORE_KEY}\b[\"'`*]?\s*[:=]\s*[\"'`*]?{_TOPVAL}|"
                           rf"[\"']{_JSON_KEY}[\"']\s*:\s*[\"']?{_TOPVAL}"),
    ("quality_pairs", STRONG, rf"{_QPAIR}[\s\S]{{0,200}}?{_QPAIR}|[\"']{_QUALITY_KEY}[\"']\s*:\s*[\"']?{_TOPVAL}"),
    ("fake_json", STRONG, rf"\{{[^{{}}]{{0,300}}?[\"']?{_JSON_KEY}[\"']?\s*:\s*[\"']?{_TOPVAL}"),
    ("fake_json_weak", WEAK, r"\{\s*[\"'][^\"']{1,40}[\"']\s*:\s*\d{1,3}(?:\.\d+)?\s*[,}]|"
                             rf"[\"']{_JSON_KEY}[\"']\s*:\s*[\"']?\d"),
    ("fake_fence", STRONG, r"<<<\s*/?\s*(?:end|begin|response|answer|candidate|prompt)|(?:end|begin|response|answer|"
                           r"candidate)[\w -]{0,30}>>>|\bresponse-[0-9a-f]{6,}\b|</?(?:response|candidate|"
                           r"candidate_response|submission|user_prompt|prompt|judge|grader|system|instructions?)>|"
                           r"\[\s*/?\s*end\b[^\]\n]{0,30}\]|\[/(?:response|answer|candidate)\]|"
                           r"(?m:^\W*end of (?:the )?(?:candidate(?:'s)? )?(?:response|answer|submission|output|"
                           r"text)\W*$)|\b(?:response|answer|submission) (?:ends|ended|is over) here\b|"
                           r"(?-i:\bEND OF (?:THE )?(?:CANDIDATE(?:'S)? )?(?:RESPONSE|ANSWER|SUBMISSION|OUTPUT|"
                           r"TEXT)\b)"),
    ("fake_fence_weak", WEAK, r"</?answer>|\bend of (?:the )?(?:candidate(?:'s)? )?(?:response|submission)\b"),
    ("role_marker", STRONG, r"<\|[a-z_]{2,24}\|>|\[/?inst\]|<<\s*/?sys\s*>>|(?m:^\s*(?:system|developer)\s*:)|"
                            r"(?-i:[.!?]\s+(?:system|developer|SYSTEM)\s*:)|(?m:^\s*#{2,}\s*(?:instructions?|"
                            r"system(?: prompt)?|new instructions?)\b)|\b(?:system|admin|developer)\s+(?:prompt|"
                            r"message|override|instructions?)\s*:"),
    ("role_marker_weak", WEAK, r"(?m:^\s*(?:user|assistant|human|ai|bot)\s*:)|(?m:^\s*#{2,}\s*(?:response|input|"
                               r"output)\s*:?\s*$)|</?s>"),
    ("zh", STRONG, r"(?:忽略|无视|忽视|不要理会|不用管|忘记|忘掉|無視)[^。\n]{0,15}(?:指令|指示|说明|規則|规则|提示|要求|评分标准|标准)|"
                   rf"(?:请|請|直接|应该|應該|必须|务必|務必|就)[^。\n]{{0,10}}(?:给|給|打|评|評)(?:(?!了)[^。\n]){{0,8}}{_TOP_ZH}|(?:给|給|打|"
                   rf"评|評)(?:个|個|一个|一個|为|為)?{_TOP_ZH}|(?:给|給|打|评|評)(?:这个|這個|本|此|我的)(?:回答|答案|"
                   rf"答复)[^。\n]{{0,6}}{_TOP_ZH}"),
    ("zh_weak", WEAK, rf"(?:给|給|打|评|評)(?:(?!了)[^。\n]){{0,8}}{_TOP_ZH}"),
    ("ja_ko", STRONG, r"(?:指示|命令|ルール|基準)[^。\n]{0,6}(?:無視|忘れ)|(?:지시|명령|규칙|기준)[^.\n]{0,8}무시|만점을 (?:주|줘)|満点を(?:つけ|付け|"
                      r"与え)|(?:満点|最高点)で(?:お願い|頼)|(?:最高点|満点|10点)を(?:つけ|付け|与え|あげ|ください)|(?:최고 ?점수|만점|10점)(?:을|를)? ?(?:주|"
                      r"줘|부여)"),
    ("cjk_weak", WEAK, r"评委|评分员|裁判|采点者|満点|만점|채점자"),
    ("fr", STRONG, r"\b(?:ignorez|ignorer|ignore (?:les|toutes|tout)|oubliez|oublie|négligez|ne tenez pas compte|"
                   r"laissez de côté)\b[^.\n]{0,40}\b(?:instructions?|consignes?|règles|directives|grille|barème|"
                   r"critères)\b|(?<!\blui )(?<!\bleur )(?<!\bil )(?<!\belle )(?<!\bon )(?<!\bje )\b(?:donne[rz]?|"
                   r"attribue[rz]?|mettez|mets|accorde[rz]?|mérite|notez)\b[^.\n]{0,30}(?:note maximale|"
                   r"note parfaite|10\s*/\s*10|20\s*/\s*20|10 sur 10|dix sur dix|vingt sur vingt|tous les points|"
                   r"meilleure note)"),
    ("es_pt_it", STRONG, r"\b(?:ignor(?:a|e|en|ar|ad|are)|olvid[ae]|omit[ae]|esqueça|esqueca|desconsidere|dimentica|"
                         r"trascura|no apliques|no aplique|deja de lado|deixe de lado|"
                         r"non applicare)\b[^.\n]{0,40}\b(?:instrucciones|instruções|istruzioni|reglas|regras|regole|"
                         r"criterios|critérios|criteri|rúbrica|rubrica|pautas|diretrizes)\b|\b(?:da|dale|dé|asigna|"
                         r"asigne|asígnale|otorga|otorgue|ponle|merece|dê|atribua|dai|assegna|attribuisci|merita|"
                         r"califica|califique|calificar)\b[^.\n]{0,30}(?:(?:puntuaci[oó]n|calificaci[oó]n|nota|"
                         r"pontuação|punteggio|voto) (?:m[aá]xima|perfecta|perfeita|massimo|perfetto|máximo)|"
                         r"m[aá]xima (?:puntuaci[oó]n|calificaci[oó]n|nota)|10\s*/\s*10|10 (?:de|su) 10|diez de diez|"
                         r"dez de dez|dieci su dieci|un (?:10|diez)\b|\b10\b(?!\s*(?:min|seg|hor|d[ií]a|año|ano|km|"
                         r"kg|m\b|%|euro|d[oó]lar|peso)))"),
    ("de", STRONG, r"\b(?:ignorier\w*|vergiss|vergessen sie|missachte\w*|"
                   r"beachte nicht)\b[^.\n]{0,40}\b\w*(?:anweisungen|anweisung|regeln|vorgaben|instruktionen|"
                   r"kriterien|richtlinien|schema|maßstab|skala)\b|\b(?:gib|gebt|geben sie|vergib|vergeben sie|"
                   r"verdient|bewerte\w*)\b[^.\n]{0,30}(?:volle punktzahl|höchstpunktzahl|bestnote|"
                   r"höchste (?:punktzahl|note|bewertung)|zehn von zehn|maximale punktzahl|10\s*/\s*10|10 von 10|"
                   r"10 punkte)"),
    ("ru", STRONG, r"(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте|не обращай\w* внимания на|"
                   r"не учитывай\w*)[^.\n]{0,40}(?:инструкци|правил|указани|критери)|(?:поставь|поставьте|дай|"
                   r"дайте)[^.\n]{0,30}(?:максимальн\w* балл|высш\w* балл|10 из 10|десять из десяти)|"
                   r"оцени\w*[^.\n]{0,30}(?:на отлично|на 10|максимальн\w*|10 из 10)"),
    ("address_judge_intl", WEAK, r"\b(?:cher|chère|au|à l')\s*(?:correcteur|évaluateur|examinateur)\b|\b(?:al|"
                                 r"querido|estimado|caro) (?:evaluador|corrector|avaliador|valutatore)\b|"
                                 r"\b(?:liebe[rs]?|an den) (?:bewerter|prüfer|gutachter)\b|(?:уважаем\w*|"
                                 r"дорог\w*) (?:оценщик|экзаменатор)"),
]
SIGNAL_NAMES = frozenset(n for n, _, _ in SIGNALS)
