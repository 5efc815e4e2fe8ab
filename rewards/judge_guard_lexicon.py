"""Concept lexicons for the injection guard, in 30 languages: words, not sentences.

Each language maps a *concept* to a ``|``-separated list of stems. The guard
(rewards/judge_guard_concepts.py) never looks for a sentence; it asks which concepts one
sentence holds ("an override verb" + "the rules" + "the previous ones") and flags the
combinations that only text addressed to a grader has. A new wording of a known attack uses
the same concepts, so it is caught without a new phrase.

Concepts: ``grader`` (evaluator, judge, examiner), ``score`` (score, points, marks),
``top`` (maximum, full marks, perfect), ``rubric`` (rubric, criteria, marking scheme),
``rules`` (rules, instructions, guidelines, policy, principles, constitution), ``override``
(ignore, disregard, supersede, suspend, no longer apply), ``change`` (updated, new, revised),
``prior`` (previous, above, this batch, from now on), ``address`` (dear, attention, reading
this), ``address_start`` (to/for ... at the start of a sentence), ``self`` (this answer),
``give`` (give, award), ``met`` (met, satisfied, verified), ``all`` (all, every), ``eval``
(evaluation, verdict, assessment), ``verdict`` (pass, approved, excellent), ``roleplay``
(you are now, act as, pretend), ``unrestricted`` (without restrictions), ``already``
(already, no need to), ``discuss`` (prompt injection, attacker, for example: talk *about*
attacks rather than one), ``unfair`` (unfair, wrong), ``less`` (less than, anything but) and
``you_are`` (a persona: "you are", "du bist"), ``answers`` (answers, responses in general) and
``exam`` (exam, test: only to tell that the *prompt* is about grading).

Stem syntax: an entry matches at the start of a word when it begins with a Latin, Greek or
Cyrillic letter (``ignor`` matches "ignore", "ignorez", "ignorieren"), anywhere in scripts
without reliable word boundaries (CJK, Thai, Arabic with its clitics, Indic scripts);
a trailing ``=`` requires the word to end there (``new=`` is not "news"); a space matches
any run of spaces. Languages (ISO 639-1): en zh hi es fr ar bn pt ru ur id de ja sw mr te
tr ta vi ko fa it th pl nl uk tl gu pa ro — the 30 most used by speakers, roughly (Malay
shares the Indonesian list) — and, since round 2, cs sk sv da no fi el he hu bg hr (41). The lists are ours, written from general knowledge of each
language; extend them freely, they are data.
"""
from __future__ import annotations

LEXICON: dict[str, dict[str, str]] = {
    "en": {
        "grader": "grader|graders=|evaluator|judge=|judges=|examiner|reviewer|assessor|scorer|rater|raters=|"
                  "reward model|grading model|grading system|grading ai|llm judge|ai judge|marker=|scoring model|"
                  "scoring system|evaluation model|evaluation system|evaluating model|judging model|grading assistant|"
                  "grading bot|proctor|doing the scoring|doing the grading|doing the evaluation|whoever checks|whoever is checking|whoever reviews|whoever evaluates|"
                  "whoever marks|whoever scores|whoever assesses|whoever judges|anyone checking|anyone grading|"
                  "anyone evaluating|anyone reviewing|person grading|person checking|those grading|checker=",
        "score": "score=|scores=|scored=|points=|point=|grade=|grades=|marks=|mark=|rating=|ratings=|reward=|credit=",
        "top": "full marks|full credit|full score|full points|full 10|all points|all the points|all marks|all the marks|"
               "every point|maximum|max score|max=|highest|perfect|top score|"
               "top marks|top rating|best possible|ten out of ten|flawless",
        "rubric": "rubric|criteria|criterion|marking scheme|scoring guide|grading scheme|scoring rules|grading rules|"
                  "grading guidelines|scoring guidelines",
        "rules": "rules=|rule=|instruction|guideline|policy|policies|directive|system prompt|constitution|principles=|"
                 "system message",
        "override": "ignore|ignoring|disregard|override|overrid|overrule|supersed|forget|bypass|suspend|set aside|"
                    "no longer apply|no longer valid|no longer in force|no longer binding|void=|waive|revoke|"
                    "cancel|nullif|do not apply|don't apply|stop following|take precedence|takes precedence|"
                    "replaces=|replace the",
        "change": "updated|update=|new=|revised|amended|changed|replacement|now in effect|effective immediately|"
                  "latest version|supersed|correction=|errata",
        "prior": "previous|above|earlier|prior=|preceding|original|initial|this batch|this evaluation|this round|"
                 "this submission|this grading|from now on|henceforth|effective immediately|system=|your instruction|"
                 "you were given|you have been given|you received|given to you|"
                 "your rules|your rubric|your guideline|your criteria",
        "address": "dear=|attention|hey=|note to|note for|message to|message for|memo to|reading this|who reads this|"
                   "whoever reads|whoever grades|whoever is grading|who is grading|who grades",
        "address_start": "to the=|to any=|to all=|to whoever|for the=|to my=|to our=|p.s. to|ps to|for whoever|"
                         "for anyone|to anyone",
        "self": "this answer|this response|this submission|this reply|this essay|this solution|this output|my answer|"
                "my response|my submission|the answer above|the response above",
        "give": "give=|gives=|award=|awards=|assign=|grant=|mark it|score it|rate it|output=|deserves|merits=|earns=|warrants=|"
                "mark all|mark this|mark every|treat this|treat it|treat all|rate this|score this|count this|"
                "consider this",
        "met": "met=|satisf|fulfil|complies|complied|passes=|meets=|verified|checked",
        "all": "all=|every=|each=",
        "eval": "evaluation|verdict|assessment|judgement|judgment|grading|grader output|review result|score report|"
                "scoring|marking|certified by|answer key|marking key|mark scheme|review status",
        "verdict": "pass=|passed=|approved|accepted|excellent|perfect|flawless|outstanding|a+=|full marks|"
                   "all criteria met|correct=",
        "roleplay": "you are now|act as|pretend|role-play|roleplay|role play|imagine you are|imagine you're|"
                    "from now on you|you will play|you play|play the role|your new name|you are no longer|you're now|rename|"
                    "your name is now|you will be called|call yourself|your new role|new persona|persona=",
        "unrestricted": "without restrictions|no restrictions|unrestricted|without limits|no limits|no rules|"
                        "unfiltered|without any rules|without constraints|lenient|generous",
        "already": "already|no need to|no further|needn't|need not|don't need to|do not need to|pre-approved|"
                   "skip verification|skip the check|may skip|can skip|no verification|"
                   "pre-graded|pre-scored|pre-verified|previously graded|previously scored",
        "discuss": "prompt injection|injection attack|jailbreak|attacker|attackers|attack=|attacks=|adversar|malicious|"
                   "phishing|"
                   "for example|for instance|such as|e.g.|known as|so-called|classic|red team|red-team|"
                   "security researcher",
    },
    "zh": {
        "grader": "评审|评委|评分员|评分者|评估者|评阅|阅卷|考官|裁判|评判者|打分者|評審|評分員|審查員|评估员",
        "score": "分数|评分|得分|打分|总分|成绩|分數|評分",
        "top": "满分|滿分|最高分|最高|完美|十分|10分",
        "rubric": "评分标准|标准|准则|细则|量规|評分標準",
        "rules": "规则|規則|指令|指示|说明|要求|政策|提示词|守则|原则|宪法",
        "override": "忽略|无视|忽视|不要理会|不用管|忘记|忘掉|覆盖|取代|作废|暂停|废止|不再适用|失效|跳过|無視|廢止",
        "change": "更新|新的|修订|修改后|变更|替换|生效|最新",
        "prior": "之前|以上|上述|上面|先前|原来|原有|本批|本次|从现在起|此次",
        "address": "亲爱的|尊敬的|请注意|致评|给评",
        "address_start": "致",
        "self": "这个回答|本回答|此回答|这个答案|本答案|该回答|我的回答",
        "give": "给|打|评为|给予",
        "met": "满足|符合|达到|通过",
        "all": "所有|全部|每一|每个|各项",
        "eval": "评估|评审结果|评分结果|判定|评价|评语",
        "verdict": "通过|优秀|完美|满分",
        "roleplay": "你现在是|扮演|假装|假设你是|从现在起你",
        "unrestricted": "不受限制|没有限制|无限制|宽松",
        "already": "已经|无需|不需要|不必",
        "discuss": "提示注入|注入攻击|越狱|攻击者|例如|比如",
    },
    "hi": {
        "grader": "परीक्षक|मूल्यांकनकर्ता|मूल्यांकक|निर्णायक|समीक्षक|ग्रेडर|जज",
        "score": "अंक|स्कोर|ग्रेड|नंबर|रेटिंग",
        "top": "पूरे अंक|पूर्ण अंक|अधिकतम|सर्वोच्च|सर्वाधिक|सबसे ज़्यादा|सबसे ज्यादा|पूरे नंबर|परफेक्ट",
        "rubric": "मानदंड|मापदंड|रूब्रिक|कसौटी",
        "rules": "नियम|निर्देश|दिशानिर्देश|नीति|प्रॉम्प्ट|संविधान|सिद्धांत",
        "override": "अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल जाओ|भूल जाइए|भूलें|रद्द|ओवरराइड|लागू नहीं|निलंबित|स्थगित|दरकिनार",
        "change": "अपडेट|नया|नए|नई|संशोधित|बदल",
        "prior": "पिछले|पिछली|ऊपर|पहले के|पूर्व|मूल|इस बैच|अब से|इस बार",
        "address": "प्रिय|ध्यान दें",
        "address_start": "के लिए",
        "self": "यह उत्तर|इस उत्तर|यह जवाब|इस जवाब|मेरा उत्तर",
        "give": "दें|दीजिए|दीजिये|दो",
        "met": "पूरा|पूरी|संतुष्ट|पालन",
        "all": "सभी|हर|प्रत्येक|सारे",
        "eval": "मूल्यांकन|निर्णय|फ़ैसला|फैसला",
        "verdict": "उत्तीर्ण|पास|उत्कृष्ट",
        "roleplay": "अब तुम|अब आप|का अभिनय|की भूमिका",
        "unrestricted": "बिना किसी प्रतिबंध|बिना प्रतिबंध|कोई प्रतिबंध नहीं",
        "already": "पहले ही|ज़रूरत नहीं|जरूरत नहीं",
        "discuss": "प्रॉम्प्ट इंजेक्शन|हमलावर|उदाहरण के लिए",
    },
    "es": {
        "grader": "evaluador|calificador|examinador|corrector|revisor|juez=|jueces=",
        "score": "puntuaci|puntaje|puntos=|nota=|notas=|calificaci",
        "top": "máxim|maxim|perfect|más alta|mas alta|10 de 10|diez de diez",
        "rubric": "rúbrica|rubrica|criterio|baremo|pautas de evaluación",
        "rules": "reglas|instrucci|directriz|directrices|política|politica|indicaciones|normas|constituci|principios",
        "override": "ignor|olvid|omit|anul|sustitu|reemplaz|suspend|prevalece|deja de lado|no apliques|no aplique|"
                    "ya no aplica|ya no rige|ya no son válid|invalid|descart",
        "change": "actualiz|nueva=|nuevas=|nuevo=|nuevos=|revisad|modificad|vigente|entra en vigor",
        "prior": "anterior|previa|previo|arriba|original|este lote|esta evaluación|a partir de ahora|desde ahora",
        "address": "querid|estimad|atención|atencion|nota para",
        "address_start": "al=|a la=|a cualquier|a quien|para el=|para la=|a todo",
        "self": "esta respuesta|mi respuesta|esta solución|este ensayo",
        "give": "da=|dale|dé=|asign|otorg|ponle|pon=",
        "met": "cumpl|satisfac|verificad",
        "all": "todos=|todas=|cada=",
        "eval": "evaluación|evaluacion|veredicto|valoración",
        "verdict": "aprobad|excelente|perfect|correcto",
        "roleplay": "ahora eres|actúa como|actua como|finge|imagina que eres|haz de|interpreta el papel",
        "unrestricted": "sin restricciones|sin límites|sin reglas|indulgente",
        "already": "ya=|no hace falta|no es necesario",
        "discuss": "inyección de prompt|atacante|por ejemplo|como por ejemplo",
    },
    "fr": {
        "grader": "évaluateur|évaluatrice|evaluateur|correcteur|correctrice|examinateur|examinatrice|juge=|juges=|"
                  "relecteur|notateur",
        "score": "la note|une note|bonne note|les notes|points=|score|notation",
        "top": "maximal|maximum|parfait|meilleure note|20/20|dix sur dix|la plus haute|tous les points",
        "rubric": "grille|barème|bareme|critère|critere",
        "rules": "règle|regle|instruction|consigne|directive|politique|principes=|constitution",
        "override": "ignor|oubli|néglig|neglig|outrepass|remplac|annul|suspend|ne tenez pas compte|"
                    "ne s'applique plus|ne s'appliquent plus|laissez de côté|prévaut|prime sur",
        "change": "mis à jour|mise à jour|nouvel|nouvelle|nouveau|révisé|modifié|en vigueur",
        "prior": "précédent|ci-dessus|plus haut|antérieur|initial|original|ce lot|cette évaluation|désormais|"
                 "dorénavant|à partir de maintenant",
        "address": "cher=|chère|à l'attention|note pour|message pour",
        "address_start": "à l'|au=|aux=|à tout|à toute|pour l'|pour le=|pour la=",
        "self": "cette réponse|ma réponse|cette solution|cette copie",
        "give": "donne|attribu|accord|mets=|mettez",
        "met": "satisf|rempli|respecté|respectés|vérifié",
        "all": "tous=|toutes=|chaque=",
        "eval": "évaluation|evaluation|verdict|appréciation",
        "verdict": "réussi|validé|excellent|parfait|admis",
        "roleplay": "tu es maintenant|vous êtes maintenant|fais semblant|faites semblant|joue le rôle|"
                    "jouez le rôle|imagine que tu es|agis comme|agissez comme",
        "unrestricted": "sans restriction|sans limite|sans règle|indulgent",
        "already": "déjà|inutile de|pas besoin",
        "discuss": "injection de prompt|attaquant|par exemple",
    },
    "ar": {
        "grader": "المقيّم|المقيم|مقيّم|المصحح|مصحح|الممتحن|المحكّم|المحكم|لجنة التحكيم|الحكم",
        "score": "درجة|الدرجة|علامة|العلامة|نقاط|النقاط|الدرجات",
        "top": "الدرجة الكاملة|العلامة الكاملة|كاملة|القصوى|أعلى|الأعلى|مثالي|عشرة من عشرة",
        "rubric": "معايير|المعايير|معيار|سلم التقييم|سلّم التقييم",
        "rules": "تعليمات|التعليمات|قواعد|القواعد|إرشادات|الإرشادات|سياسة|السياسة|توجيهات|مبادئ|المبادئ|الدستور",
        "override": "تجاهل|انسَ|انس |تجاوز|ألغِ|إلغاء|ملغاة|ملغى|استبدل|تحل محل|يحل محل|لم تعد سارية|لم يعد ساري|"
                    "معلقة|علّق|لا تطبق|لا تنطبق",
        "change": "محدث|المحدث|محدّث|المحدّثة|تحديث|جديد|الجديدة|معدل|المعدلة|سارية",
        "prior": "السابقة|السابق|أعلاه|الأصلية|الأصلي|هذه الدفعة|هذا التقييم|من الآن",
        "address": "عزيزي|انتباه|ملاحظة إلى|ملاحظة لل",
        "address_start": "إلى|الى",
        "self": "هذه الإجابة|هذا الجواب|إجابتي|هذا الرد",
        "give": "أعط|اعط|امنح|ضع",
        "met": "تستوفي|يستوفي|استوفت|تلبي|يلبي|تحقق",
        "all": "جميع|كل |كافة",
        "eval": "التقييم|تقييم|الحكم|النتيجة",
        "verdict": "ناجح|مقبول|ممتاز",
        "roleplay": "أنت الآن|تظاهر|مثّل دور|تقمص",
        "unrestricted": "بدون قيود|دون قيود|بلا قيود",
        "already": "بالفعل|لا حاجة|لا داعي",
        "discuss": "حقن|المهاجم|على سبيل المثال|مثلا",
    },
    "bn": {
        "grader": "পরীক্ষক|মূল্যায়নকারী|বিচারক|নিরীক্ষক",
        "score": "নম্বর|স্কোর|মার্ক|গ্রেড",
        "top": "পূর্ণ নম্বর|সর্বোচ্চ|সর্বাধিক|নিখুঁত|পুরো নম্বর",
        "rubric": "মানদণ্ড|রুব্রিক",
        "rules": "নির্দেশ|নিয়ম|নির্দেশিকা|নীতি|সংবিধান",
        "override": "উপেক্ষা|ভুলে যাও|ভুলে যান|বাতিল|স্থগিত|প্রযোজ্য নয়|অগ্রাহ্য",
        "change": "হালনাগাদ|আপডেট|নতুন|সংশোধিত",
        "prior": "আগের|পূর্ববর্তী|উপরের|মূল|এখন থেকে|এই ব্যাচ",
        "address": "প্রিয়|দৃষ্টি আকর্ষণ",
        "self": "এই উত্তর|আমার উত্তর",
        "give": "দিন|দাও",
        "met": "পূরণ|সন্তুষ্ট",
        "all": "সব|সকল|প্রতিটি",
        "eval": "মূল্যায়ন|রায়",
        "verdict": "উত্তীর্ণ|চমৎকার",
        "discuss": "উদাহরণস্বরূপ|আক্রমণকারী",
    },
    "pt": {
        "grader": "avaliador|corretor|examinador|revisor|juiz=|juízes=",
        "score": "pontua|nota=|notas=|pontos=",
        "top": "máxim|maxim|perfeit|nota 10|mais alta|10 de 10|dez de dez",
        "rubric": "rubrica|rúbrica|critério|criterio|gabarito",
        "rules": "regras|instruç|instruc|diretriz|diretrizes|política|orientações|normas|constituiç|princípios",
        "override": "ignor|esqueç|esqueca|desconsider|anul|substitu|suspen|deixe de lado|não se aplica|"
                    "nao se aplica|não aplique|invalid|prevalece",
        "change": "atualiz|nova=|novas=|novo=|novos=|revisad|alterad|em vigor",
        "prior": "anterior|acima|original|este lote|esta avaliação|a partir de agora|de agora em diante",
        "address": "prezad|querid|atenção|nota para",
        "address_start": "ao=|à=|a qualquer|a quem|para o=|para a=",
        "self": "esta resposta|minha resposta|esta solução",
        "give": "dê=|atribu|conced|coloque",
        "met": "cumpr|satisfa|atend|verificad",
        "all": "todos=|todas=|cada=",
        "eval": "avaliação|avaliacao|veredito|parecer",
        "verdict": "aprovad|excelente|perfeit",
        "roleplay": "agora você é|finja|imagine que você é|aja como|interprete o papel",
        "unrestricted": "sem restrições|sem limites|sem regras",
        "already": "já=|não é necessário",
        "discuss": "injeção de prompt|atacante|por exemplo",
    },
    "ru": {
        "grader": "оценщик|проверяющ|экзаменатор|рецензент|судья|судье|судьи|эксперт|асессор|оценивающ",
        "score": "балл|оценк|очк|отметк",
        "top": "максимальн|высш|наивысш|идеальн|10 из 10|десять из десяти|отлично",
        "rubric": "критери|рубрик|шкал",
        "rules": "правил|инструкци|указани|директив|политик|принцип|конституци",
        "override": "игнорир|проигнорир|забудь|забудьте|отмен|замен|не учитыва|приостанов|больше не действ|"
                    "не применя|недействительн|утратил",
        "change": "обновл|новы|новая|новое|новые|пересмотр|изменен|вступа",
        "prior": "предыдущ|выше|прежн|исходн|первоначальн|этой партии|этой проверки|отныне|с этого момента",
        "address": "уважаем|дорог|вниманию|к сведению",
        "address_start": "для=|всем=",
        "self": "этот ответ|мой ответ|это решение|данный ответ",
        "give": "постав|дай|дайте|присво|выстав|начисл",
        "met": "выполнен|удовлетвор|соответству|соблюден|провер",
        "all": "все=|всем=|каждый|каждому|всех=",
        "eval": "оценка|вердикт|заключение|результат проверки",
        "verdict": "зачтено|принято|отлично|идеально",
        "roleplay": "теперь ты|теперь вы|притворись|представь, что ты|сыграй роль|веди себя как",
        "unrestricted": "без ограничений|без правил",
        "already": "уже=|не нужно|нет необходимости",
        "discuss": "инъекци|атакующ|злоумышленник|например",
    },
    "ur": {
        "grader": "ممتحن|جانچنے والے|جانچ کنندہ|منصف|جج",
        "score": "نمبر|اسکور|مارکس|درجہ",
        "top": "پورے نمبر|مکمل نمبر|زیادہ سے زیادہ|سب سے زیادہ|اعلیٰ ترین",
        "rubric": "معیار|معیارات|روبرک",
        "rules": "ہدایات|قواعد|اصول|پالیسی|قوانین|ہدایت",
        "override": "نظرانداز|نظر انداز|بھول جاؤ|بھول جائیں|منسوخ|معطل|لاگو نہیں",
        "change": "تازہ|نئی|نیا|ترمیم|اپڈیٹ",
        "prior": "پچھلی|پچھلے|اوپر|سابقہ|اس بیچ|اب سے",
        "address": "محترم|توجہ",
        "self": "یہ جواب|اس جواب|میرا جواب",
        "give": "دیں|دیجیے",
        "met": "پورا|پوری|مطمئن",
        "all": "تمام|سب|ہر",
        "eval": "جائزہ|تشخیص|فیصلہ",
        "verdict": "کامیاب|بہترین",
        "discuss": "مثال کے طور پر|حملہ آور",
    },
    "id": {
        "grader": "penilai|pemeriksa|juri=|hakim|evaluator|pengoreksi|penguji",
        "score": "nilai|skor|poin",
        "top": "sempurna|maksimal|maksimum|tertinggi|nilai penuh|10/10",
        "rubric": "rubrik|kriteria|pedoman penilaian",
        "rules": "aturan|instruksi|petunjuk|pedoman|kebijakan|prinsip|konstitusi|peraturan",
        "override": "abaikan|lupakan|batalkan|tangguhkan|ditangguhkan|tidak berlaku|tidak lagi berlaku|"
                    "kesampingkan|timpa|menggantikan",
        "change": "diperbarui|pembaruan|baru=|direvisi|diubah|berlaku",
        "prior": "sebelumnya|di atas|batch ini|penilaian ini|mulai sekarang|mulai saat ini",
        "address": "yth|yang terhormat|perhatian",
        "address_start": "kepada|untuk=",
        "self": "jawaban ini|respons ini|jawaban saya|solusi ini",
        "give": "beri|berikan|kasih",
        "met": "memenuhi|terpenuhi|lulus",
        "all": "semua|setiap|seluruh",
        "eval": "penilaian|evaluasi|keputusan|hasil penilaian",
        "verdict": "lulus|sempurna|sangat baik",
        "roleplay": "sekarang kamu adalah|sekarang anda adalah|berpura-pura|bertindaklah sebagai|perankan",
        "unrestricted": "tanpa batasan|tanpa aturan",
        "already": "sudah=|tidak perlu",
        "discuss": "injeksi prompt|penyerang|misalnya|contohnya",
    },
    "de": {
        "grader": "bewerter|prüfer|gutachter|korrektor|richter|beurteiler|evaluator|bewertungsinstanz|"
                  "bewertungssystem|bewertungsmodell|bewertungs-ki|bewertende|prüfinstanz|korrigierende",
        "score": "punkt|die note|eine note|noten=|bewertung|wertung|score",
        "top": "volle punktzahl|vollen punktzahl|volle punkte|vollen punkte|höchst|maximal|bestnote|perfekt|"
               "10 von 10|zehn von zehn|beste note",
        "rubric": "rubrik|kriteri|bewertungsschema|bewertungsraster|maßstab",
        "rules": "regel|anweisung|vorgabe|richtlinie|instruktion|prinzipien|grundsätze|verfassung",
        "override": "ignorier|vergiss|vergessen sie|missacht|außer kraft|ausser kraft|übersteuer|ersetz|aufgehoben|"
                    "gilt nicht mehr|gelten nicht mehr|nicht mehr gültig|hinfällig|überschreib|übergeh",
        "change": "aktualisiert|neue=|neuen=|neues=|geändert|überarbeitet|ab sofort",
        "prior": "vorherig|obige|oben|bisherig|ursprünglich|früher|dieser charge|diesen durchlauf|ab jetzt|ab sofort",
        "address": "liebe=|lieber=|sehr geehrte|hinweis für|hinweis an|nachricht an|notiz an|achtung",
        "address_start": "an den=|an die=|an alle=|für den=|für die=",
        "self": "diese antwort|meine antwort|diese lösung",
        "give": "gib=|gebt|geben sie|vergib|vergeben sie|verleih",
        "met": "erfüllt|erfüll|bestanden|geprüft",
        "all": "alle=|jedes=|jede=|sämtlich",
        "eval": "bewertung|urteil|beurteilung|gutachten",
        "verdict": "bestanden|ausgezeichnet|perfekt|sehr gut",
        "roleplay": "du bist jetzt|sie sind jetzt|tu so|stell dir vor, du bist|spiel die rolle|verhalte dich wie",
        "unrestricted": "ohne einschränkung|ohne beschränkung|ohne regeln|nachsichtig",
        "already": "bereits|schon=|nicht nötig|nicht mehr nötig",
        "discuss": "prompt-injection|prompt injection|angreifer|zum beispiel|z.b.",
    },
    "ja": {
        "grader": "採点者|評価者|審査員|採点官|評価担当|ジャッジ|審査官",
        "score": "点数|得点|スコア|点を|採点",
        "top": "満点|最高点|最高評価|最高|完璧|10点",
        "rubric": "評価基準|採点基準|基準|ルーブリック",
        "rules": "ルール|指示|命令|規則|指針|ポリシー|原則|憲法",
        "override": "無視|忘れ|上書き|取り消|無効|停止|適用しない|置き換え|優先され",
        "change": "更新|新しい|改訂|変更|最新",
        "prior": "以前の|上記|前の|先の|元の|今回|このバッチ|今後",
        "address": "様へ|へ：|宛|各位",
        "self": "この回答|本回答|この答え|私の回答",
        "give": "つけ|付け|与え|ください|あげ",
        "met": "満た|満足|達成|合格|確認済",
        "all": "すべて|全て|全部|各",
        "eval": "評価結果|判定|講評|評価",
        "verdict": "合格|優秀|完璧|満点",
        "roleplay": "あなたは今|ふりをして|になりきって|として振る舞",
        "unrestricted": "制限なし|制限のない|無制限",
        "already": "既に|すでに|必要はありません|不要",
        "discuss": "プロンプトインジェクション|攻撃者|例えば|たとえば",
    },
    "sw": {
        "grader": "mtathmini|mkaguzi|msahihishaji|mwamuzi|jaji|mtahini",
        "score": "alama|pointi",
        "top": "alama kamili|alama za juu|juu kabisa|kamilifu|upeo",
        "rubric": "vigezo|kigezo|rubriki",
        "rules": "sheria|maagizo|maelekezo|sera|kanuni|katiba",
        "override": "puuza|sahau|batilisha|simamisha|hazitumiki|haitumiki",
        "change": "mpya|imesasishwa|iliyosasishwa|marekebisho|imebadilishwa",
        "prior": "iliyotangulia|za awali|hapo juu|kundi hili|kuanzia sasa",
        "address": "mpendwa|tahadhari",
        "address_start": "kwa=",
        "self": "jibu hili|jibu langu",
        "give": "mpe|toa|ipe|wape",
        "met": "imetimiza|inakidhi|imekidhi|imefaulu",
        "all": "zote|kila|wote",
        "eval": "tathmini|uamuzi",
        "verdict": "amefaulu|bora kabisa",
        "discuss": "kwa mfano|mshambuliaji",
    },
    "mr": {
        "grader": "परीक्षक|मूल्यमापक|न्यायाधीश",
        "score": "गुण|मार्क|स्कोअर|श्रेणी",
        "top": "पूर्ण गुण|जास्तीत जास्त|सर्वोच्च|कमाल|परिपूर्ण",
        "rubric": "निकष|मापदंड",
        "rules": "सूचना|नियम|मार्गदर्शक|धोरण",
        "override": "दुर्लक्ष|विसरा|रद्द|लागू नाही|स्थगित",
        "change": "अद्ययावत|नवीन|नवे|सुधारित",
        "prior": "मागील|वरील|आधीच्या|आतापासून",
        "address": "प्रिय|लक्ष द्या",
        "self": "हे उत्तर|या उत्तराला|माझे उत्तर",
        "give": "द्या",
        "met": "पूर्ण|समाधान",
        "all": "सर्व|प्रत्येक",
        "eval": "मूल्यमापन|निकाल",
        "discuss": "उदाहरणार्थ",
    },
    "te": {
        "grader": "మూల్యాంకనకర్త|పరీక్షకుడు|పరిశీలకుడు|న్యాయనిర్ణేత",
        "score": "మార్కులు|స్కోరు|స్కోర్|గ్రేడ్",
        "top": "పూర్తి మార్కులు|గరిష్ట|అత్యధిక|పరిపూర్ణ",
        "rubric": "ప్రమాణాలు|ప్రమాణ",
        "rules": "సూచనలు|నియమాలు|మార్గదర్శకాలు|విధానం",
        "override": "విస్మరించ|మర్చిపో|రద్దు|వర్తించవు|నిలిపివే",
        "change": "నవీకరించ|కొత్త|సవరించ",
        "prior": "మునుపటి|పైన|ఇప్పటి నుండి",
        "address": "ప్రియమైన|గమనిక",
        "self": "ఈ సమాధానం|ఈ సమాధానానికి|నా సమాధానం",
        "give": "ఇవ్వండి|ఇవ్వు",
        "met": "నెరవేర్చ|సంతృప్తి",
        "all": "అన్ని|ప్రతి",
        "eval": "మూల్యాంకనం|తీర్పు",
        "discuss": "ఉదాహరణకు",
    },
    "tr": {
        "grader": "değerlendirici|değerlendiren|notlandırıcı|puanlayıcı|jüri|hakem|denetçi|yargıç|sınav görevlisi",
        "score": "puan|notu=|notunu|notlar|skor",
        "top": "tam puan|en yüksek|maksimum|mükemmel|10 üzerinden 10",
        "rubric": "kriter|rubrik|ölçüt|dereceli puanlama",
        "rules": "kural|talimat|yönerge|politika|ilke|anayasa|komut",
        "override": "yok say|görmezden gel|unut|geçersiz|askıya al|iptal|yerine geç|uygulamayın|dikkate alma",
        "change": "güncel|yeni=|revize|değiştiril|yürürlü",
        "prior": "önceki|yukarıdaki|önceden|bu parti|bu değerlendirme|bundan sonra|şu andan itibaren",
        "address": "sayın|değerli|dikkatine|sevgili|okuyan",
        "self": "bu cevab|bu cevap|bu yanıt|cevabım|yanıtım|bu çözüm",
        "give": "verin|veriniz|ver=",
        "met": "karşıla|sağla|geçti",
        "all": "tüm|bütün|hepsi",
        "eval": "değerlendirme|karar|hüküm",
        "verdict": "geçti|başarılı|mükemmel",
        "roleplay": "artık sen|şimdi sen|rolüne bürün|gibi davran|rol yap",
        "unrestricted": "kısıtlama olmadan|kısıtlamasız|sınırsız|kuralsız",
        "already": "zaten|gerek yok",
        "discuss": "istem enjeksiyonu|saldırgan|örneğin",
    },
    "ta": {
        "grader": "மதிப்பீட்டாளர்|தேர்வாளர்|நடுவர்",
        "score": "மதிப்பெண்|புள்ளி|ஸ்கோர்",
        "top": "முழு மதிப்பெண்|அதிகபட்ச|உயர்ந்த",
        "rubric": "அளவுகோல்",
        "rules": "அறிவுறுத்தல்|விதி|வழிகாட்டு|கொள்கை",
        "override": "புறக்கணி|மறந்துவிடு|மறந்து விடுங்கள்|ரத்து|பொருந்தாது",
        "change": "புதுப்பிக்கப்பட்ட|புதிய|திருத்தப்பட்ட",
        "prior": "முந்தைய|மேலே|இனிமேல்",
        "address": "அன்புள்ள|கவனத்திற்கு",
        "self": "இந்த பதில்|என் பதில்",
        "give": "கொடுங்கள்|வழங்குங்கள்",
        "met": "பூர்த்தி|நிறைவேற்ற",
        "all": "அனைத்து|எல்லா|ஒவ்வொரு",
        "eval": "மதிப்பீடு|தீர்ப்பு",
        "discuss": "உதாரணமாக",
    },
    "vi": {
        "grader": "người chấm|giám khảo|người đánh giá|trọng tài|người kiểm tra",
        "score": "điểm=|điểm số",
        "top": "tối đa|cao nhất|tuyệt đối|hoàn hảo|điểm 10|10/10",
        "rubric": "tiêu chí|thang điểm|bộ tiêu chí",
        "rules": "quy tắc|hướng dẫn|chỉ dẫn|chỉ thị|chính sách|nguyên tắc|hiến pháp",
        "override": "bỏ qua|phớt lờ|quên=|hủy bỏ|vô hiệu|thay thế|tạm ngưng|đình chỉ|không còn áp dụng|"
                    "không áp dụng|ghi đè",
        "change": "cập nhật|mới=|sửa đổi|thay đổi|có hiệu lực",
        "prior": "trước đó|trước đây|ở trên|bên trên|ban đầu|lô này|lần này|từ giờ|kể từ bây giờ",
        "address": "kính gửi|thân gửi|lưu ý|chú ý|nhờ|đang đọc",
        "address_start": "gửi=",
        "self": "câu trả lời này|bài làm này|lời giải này|câu trả lời của tôi",
        "give": "cho=|chấm|trao",
        "met": "đáp ứng|thỏa mãn|đạt=",
        "all": "tất cả|mọi=|mỗi=|từng=",
        "eval": "đánh giá|phán quyết|kết quả chấm",
        "verdict": "đạt=|xuất sắc|hoàn hảo",
        "roleplay": "bây giờ bạn là|hãy đóng vai|giả vờ|hãy hành động như",
        "unrestricted": "không giới hạn|không có giới hạn|không hạn chế",
        "already": "đã kiểm tra|không cần",
        "discuss": "tấn công chèn|kẻ tấn công|ví dụ",
    },
    "ko": {
        "grader": "채점자|평가자|심사위원|검토자|채점관|심사관",
        "score": "점수|평점|채점|만점",
        "top": "만점|최고 점수|최고점|최고|완벽|10점",
        "rubric": "평가 기준|채점 기준|기준|루브릭",
        "rules": "규칙|지시|지침|명령|정책|프롬프트|원칙|헌법",
        "override": "무시|잊어|덮어|대체|무효|중단|적용하지|취소|우선합니다",
        "change": "업데이트|새로운|개정|변경|최신",
        "prior": "이전|위의|앞의|기존|원래|이번|이 배치|지금부터",
        "address": "님께|에게:|께:|귀하|친애하는",
        "self": "이 답변|이 응답|본 답변|제 답변",
        "give": "주세요|줘|부여|주십시오|매겨",
        "met": "충족|만족|통과|부합",
        "all": "모든|전부",
        "eval": "평가 결과|판정|평가",
        "verdict": "통과|합격|우수|완벽",
        "roleplay": "이제 당신은|이제 너는|인 척|역할을 해|처럼 행동",
        "unrestricted": "제한 없이|제한 없는|무제한",
        "already": "이미|필요 없|필요가 없",
        "discuss": "프롬프트 인젝션|공격자|예를 들어",
    },
    "fa": {
        "grader": "ارزیاب|داور|مصحح|ممتحن|ارزشیاب",
        "score": "نمره|امتیاز",
        "top": "نمره کامل|بالاترین|حداکثر|بیشترین|۱۰ از ۱۰|10 از 10",
        "rubric": "معیار|روبریک|ملاک",
        "rules": "دستورالعمل|دستور|قوانین|قانون|قواعد|راهنما|سیاست|اصول",
        "override": "نادیده|فراموش کن|لغو|جایگزین|معلق|اعمال نمی|اعمال نکن",
        "change": "به‌روز|بروز|جدید|اصلاح‌شده|اصلاح شده",
        "prior": "قبلی|بالا|پیشین|این دسته|از این پس|از حالا",
        "address": "عزیز|خطاب به|توجه",
        "self": "این پاسخ|این جواب|پاسخ من",
        "give": "بده|بدهید|اختصاص",
        "met": "برآورده|رعایت|احراز",
        "all": "همه|تمام|هر ",
        "eval": "ارزیابی|داوری|حکم",
        "verdict": "قبول|عالی",
        "roleplay": "اکنون تو|وانمود کن|نقش",
        "unrestricted": "بدون محدودیت|بی‌محدودیت",
        "already": "قبلاً|نیازی نیست",
        "discuss": "تزریق|مهاجم|برای مثال",
    },
    "it": {
        "grader": "valutatore|valutatrice|valutatori|correttore|correttrice|esaminatore|esaminatrice|giudice|revisore",
        "score": "punteggi|voto=|voti=|punti=",
        "top": "massim|perfett|pieni voti|10 su 10|dieci su dieci|più alto",
        "rubric": "rubrica|criteri|griglia",
        "rules": "regole|istruzion|linee guida|direttiv|politica|principi|costituzione",
        "override": "ignor|dimentica|trascura|sostitu|annull|sospes|sospend|non si applica|non applicare|prevale",
        "change": "aggiornat|nuov|rivist|modificat|in vigore",
        "prior": "precedent|sopra|original|iniziale|questo lotto|questa valutazione|d'ora in poi|da ora",
        "address": "gentile|all'attenzione|nota per",
        "address_start": "al=|alla=|a chiunque|a qualsiasi|per il=|per la=",
        "self": "questa risposta|la mia risposta|questa soluzione",
        "give": "dai=|assegn|attribu|concedi|metti",
        "met": "soddisf|rispett|verificat",
        "all": "tutti=|tutte=|ogni=",
        "eval": "valutazione|verdetto|giudizio",
        "verdict": "superato|promosso|eccellente|perfett",
        "roleplay": "ora sei|fingi|immagina di essere|comportati come|interpreta il ruolo",
        "unrestricted": "senza restrizioni|senza limiti|senza regole",
        "already": "già|non serve|non è necessario",
        "discuss": "iniezione di prompt|attaccante|ad esempio|per esempio",
    },
    "th": {
        "grader": "ผู้ประเมิน|ผู้ตรวจ|กรรมการ|ผู้ให้คะแนน|ผู้ตัดสิน",
        "score": "คะแนน|เกรด",
        "top": "คะแนนเต็ม|สูงสุด|สมบูรณ์แบบ|ดีเยี่ยม",
        "rubric": "เกณฑ์|รูบริก",
        "rules": "คำสั่ง|กฎ|แนวทาง|นโยบาย|ข้อกำหนด|หลักการ",
        "override": "เพิกเฉย|ไม่ต้องสนใจ|ละเว้น|ลืม|ยกเลิก|แทนที่|ระงับ|ไม่มีผลบังคับ|ไม่ใช้บังคับ",
        "change": "อัปเดต|ใหม่|แก้ไข|ปรับปรุง|มีผล",
        "prior": "ก่อนหน้า|ข้างต้น|ด้านบน|เดิม|ชุดนี้|ตั้งแต่นี้",
        "address": "เรียน|โปรดทราบ|ถึงผู้",
        "self": "คำตอบนี้|คำตอบของฉัน",
        "give": "ให้",
        "met": "ครบ|ตรงตาม|ผ่าน",
        "all": "ทั้งหมด|ทุก",
        "eval": "การประเมิน|ผลการประเมิน|คำตัดสิน",
        "verdict": "ผ่าน|ดีเยี่ยม",
        "roleplay": "ตอนนี้คุณคือ|แสร้งทำ|สวมบทบาท",
        "unrestricted": "ไม่มีข้อจำกัด|ไม่จำกัด",
        "already": "แล้ว|ไม่จำเป็น",
        "discuss": "ตัวอย่างเช่น|ผู้โจมตี",
    },
    "pl": {
        "grader": "oceniając|egzaminator|recenzent|sędzi|sędzia|ewaluator|weryfikator|sprawdzając|korektor",
        "score": "punkt|ocen|wynik",
        "top": "maksymaln|najwyższ|pełną liczbę|pełną punktację|perfekcyjn|idealn|10 na 10",
        "rubric": "kryteri|rubryk|schemat oceniania|klucz oceniania",
        "rules": "zasad|instrukcj|reguł|wytyczn|polityk|polecen|konstytucj",
        "override": "zignoruj|ignoruj|zapomnij|pomiń|unieważn|zastęp|zawieszon|zawiesz|nie obowiązuj|"
                    "przestają obowiązywać|nie stosuj",
        "change": "zaktualizowan|aktualizacj|nowe=|nowa=|nowy=|nowych=|zmienion|obowiązuje od",
        "prior": "poprzedni|powyższ|wcześniejsz|pierwotn|oryginaln|tej partii|tej oceny|od teraz",
        "address": "drogi=|droga=|szanown|uwaga=",
        "address_start": "dla=",
        "self": "ta odpowiedź|tę odpowiedź|moja odpowiedź|to rozwiązanie",
        "give": "daj=|przyznaj|wystaw|postaw",
        "met": "spełni|zaliczon|sprawdzon",
        "all": "wszystk|każd",
        "eval": "ocena|werdykt|wynik oceny",
        "verdict": "zaliczone|zaliczony|celując|doskonał",
        "roleplay": "teraz jesteś|udawaj|wciel się|zachowuj się jak|odgrywaj rolę",
        "unrestricted": "bez ograniczeń|bez zasad",
        "already": "już=|nie trzeba|nie musisz",
        "discuss": "wstrzykiwani|atakując|na przykład",
    },
    "nl": {
        "grader": "beoordelaar|examinator|corrector|jurylid|rechter|recensent|evaluator",
        "score": "punten=|punt=|score|cijfer|beoordeling|waardering",
        "top": "maximale|maximum|hoogste|perfect|volle punten|volledige score|10 uit 10|tien uit tien",
        "rubric": "rubric|criteri|beoordelingsschema|beoordelingsmodel|normering",
        "rules": "regels|regel=|instructie|richtlijn|beleid|aanwijzing|principes|grondwet",
        "override": "negeer|vergeet|buiten beschouwing|vervang|opgeschort|schort|vervallen|niet langer|"
                    "niet meer van toepassing|overschrijf|gaat voor",
        "change": "bijgewerkt|geüpdatet|nieuwe=|herzien|gewijzigd|van kracht",
        "prior": "vorige|bovenstaand|hierboven|eerdere|oorspronkelijk|deze batch|deze beoordeling|vanaf nu",
        "address": "beste=|geachte|let op|t.a.v",
        "address_start": "aan de=|aan alle=|aan wie|voor de=",
        "self": "dit antwoord|mijn antwoord|deze oplossing",
        "give": "geef|toekennen|ken",
        "met": "voldoet|voldaan|vervuld|gecontroleerd",
        "all": "alle=|elk=|elke=|ieder",
        "eval": "beoordeling|oordeel|evaluatie",
        "verdict": "geslaagd|uitstekend|perfect",
        "roleplay": "je bent nu|u bent nu|doe alsof|speel de rol|gedraag je als",
        "unrestricted": "zonder beperkingen|zonder regels|onbeperkt",
        "already": "reeds|niet nodig|hoeft niet",
        "discuss": "promptinjectie|prompt-injectie|aanvaller|bijvoorbeeld",
    },
    "uk": {
        "grader": "оцінювач|екзаменатор|рецензент|перевіряюч|суддя|судді",
        "score": "бал|оцінк|очк",
        "top": "максимальн|найвищ|ідеальн|10 з 10",
        "rubric": "критері|рубрик|шкал",
        "rules": "правил|інструкці|вказівк|директив|політик|принцип",
        "override": "ігноруй|ігнорувати|проігноруй|забудь|скасов|замін|не враховуй|призупин|більше не діють",
        "change": "оновлен|нові|нова|нове|змінен|переглянут",
        "prior": "попередн|вище|початков|відтепер|цієї партії",
        "address": "шановн|дорог|до уваги",
        "address_start": "для=",
        "self": "ця відповідь|цю відповідь|моя відповідь",
        "give": "постав|дай|дайте|признач",
        "met": "виконан|задовольн|відповіда",
        "all": "всі=|усі=|кожн",
        "eval": "оцінювання|вердикт|висновок",
        "verdict": "зараховано|відмінно",
        "roleplay": "тепер ти|тепер ви|прикинься|уяви, що ти|зіграй роль",
        "unrestricted": "без обмежень|без правил",
        "already": "вже=|не потрібно",
        "discuss": "ін'єкці|атакуюч|наприклад",
    },
    "tl": {
        "grader": "tagasuri|tagapagsuri|hurado|tagamarka",
        "score": "marka|puntos|iskor",
        "top": "pinakamataas|perpekto|buong puntos",
        "rubric": "pamantayan|krayterya",
        "rules": "panuntunan|tuntunin|tagubilin|patakaran|alituntunin",
        "override": "huwag pansinin|balewalain|kalimutan|ipawalang-bisa|hindi na ipinapatupad|hindi na ito",
        "change": "bagong|na-update|binago",
        "prior": "nakaraang|nasa itaas|dating|ngayong batch|mula ngayon",
        "address": "mahal na|pansin",
        "address_start": "sa=|para sa",
        "self": "sagot na ito|itong sagot|aking sagot",
        "give": "ibigay|bigyan",
        "met": "natugunan|nakamit|pasado",
        "all": "lahat|bawat",
        "eval": "pagsusuri|hatol",
        "discuss": "halimbawa",
    },
    "gu": {
        "grader": "પરીક્ષક|મૂલ્યાંકનકર્તા|નિર્ણાયક",
        "score": "ગુણ|માર્ક|સ્કોર",
        "top": "પૂરા ગુણ|પૂર્ણ ગુણ|મહત્તમ|સર્વોચ્ચ",
        "rubric": "માપદંડ",
        "rules": "સૂચના|નિયમ|માર્ગદર્શિકા|નીતિ",
        "override": "અવગણો|ભૂલી જાઓ|રદ|લાગુ નથી",
        "change": "અપડેટ|નવા|નવી|સુધારેલ",
        "prior": "અગાઉના|ઉપરના|હવેથી",
        "address": "પ્રિય",
        "self": "આ જવાબ|મારો જવાબ",
        "give": "આપો",
        "met": "પૂર્ણ|સંતોષ",
        "all": "બધા|દરેક",
        "eval": "મૂલ્યાંકન|ચુકાદો",
        "discuss": "ઉદાહરણ તરીકે",
    },
    "pa": {
        "grader": "ਪਰੀਖਿਅਕ|ਮੁਲਾਂਕਣਕਾਰ|ਜੱਜ",
        "score": "ਅੰਕ|ਨੰਬਰ|ਸਕੋਰ",
        "top": "ਪੂਰੇ ਅੰਕ|ਵੱਧ ਤੋਂ ਵੱਧ|ਸਭ ਤੋਂ ਵੱਧ|ਸਰਵੋਤਮ",
        "rubric": "ਮਾਪਦੰਡ",
        "rules": "ਹਦਾਇਤ|ਨਿਯਮ|ਨੀਤੀ",
        "override": "ਨਜ਼ਰਅੰਦਾਜ਼|ਭੁੱਲ ਜਾਓ|ਰੱਦ|ਲਾਗੂ ਨਹੀਂ",
        "change": "ਨਵੇਂ|ਨਵੀਂ|ਅੱਪਡੇਟ|ਸੋਧ",
        "prior": "ਪਿਛਲੇ|ਪਿਛਲੀ|ਉੱਪਰ|ਹੁਣ ਤੋਂ",
        "address": "ਪਿਆਰੇ|ਧਿਆਨ ਦਿਓ",
        "self": "ਇਹ ਜਵਾਬ|ਮੇਰਾ ਜਵਾਬ",
        "give": "ਦਿਓ",
        "met": "ਪੂਰਾ|ਪੂਰੇ",
        "all": "ਸਾਰੇ|ਹਰ",
        "eval": "ਮੁਲਾਂਕਣ|ਫ਼ੈਸਲਾ",
        "discuss": "ਉਦਾਹਰਨ ਲਈ",
    },
    "ro": {
        "grader": "evaluator|examinator|corector|arbitru|judecător",
        "score": "punctaj|notă|nota=|puncte",
        "top": "punctaj maxim|maxim|nota 10|perfect|cea mai mare",
        "rubric": "criteri|grilă|barem",
        "rules": "reguli|instrucțiuni|instructiuni|indicații|politic|principii|constituți",
        "override": "ignor|uită|anulat|înlocu|suspendat|nu se mai aplică|nu mai sunt valabile",
        "change": "actualizat|noua=|noile=|revizuit|modificat|în vigoare",
        "prior": "anterioar|de mai sus|inițial|acest lot|de acum",
        "address": "dragă|stimate|atenție",
        "address_start": "către|pentru=",
        "self": "acest răspuns|răspunsul meu",
        "give": "acordă|dă=|oferă",
        "met": "îndeplin|satisfac",
        "all": "toate|toți|fiecare",
        "eval": "evaluare|evaluarea|verdict",
        "verdict": "promovat|excelent|perfect",
        "roleplay": "acum ești|prefă-te|joacă rolul",
        "unrestricted": "fără restricții|fără limite",
        "already": "deja|nu este nevoie",
        "discuss": "injecție de prompt|atacator|de exemplu",
    },
}

# Persuasion that only the top score is fair: ``unfair`` (unfair, wrong, inaccurate) and ``less``
# (less than, anything but, below, except), per language.
_PERSUASION: dict[str, dict[str, str]] = {
    "en": {"unfair": "unfair|unjust|wrong=|inaccurate|incorrect|mistake|error=|biased|bias=|indefensible|unjustified|"
                     "only fair|only valid|only correct|only honest|only reasonable",
           "less": "less than|anything but|anything except|anything other than|anything below|anything short of|"
                   "lower than|below=|short of|except=|other than|only="},
    "zh": {"unfair": "不公平|不合理|错误|不正确|不公正|唯一合理|唯一正确|唯一公平", "less": "低于|少于|以外|之外|除了|只有|只能|唯一"},
    "hi": {"unfair": "अनुचित|गलत|ग़लत|अन्याय", "less": "से कम|के अलावा|केवल|सिर्फ"},
    "es": {"unfair": "injust|incorrect|erróne|equivocad|sesgad|única justa|única válida", "less": "menos que|menos de|"
           "inferior|por debajo|salvo|excepto|distinta de|única="},
    "fr": {"unfair": "injust|incorrect|erroné|faux=|fausse|seule juste|seule valable|seule note valable",
           "less": "moins que|inférieure|en dessous|sauf=|autre que|seule="},
    "ar": {"unfair": "ظلم|غير عادل|غير منصف|خطأ|خاطئ", "less": "أقل من|أدنى من|غير الدرجة|سوى|إلا"},
    "bn": {"unfair": "অন্যায্য|ভুল|অন্যায়", "less": "এর কম|ছাড়া|কেবল"},
    "pt": {"unfair": "injust|incorret|errad|tendencios", "less": "menos que|menos do que|inferior|abaixo|exceto|única="},
    "ru": {"unfair": "несправедлив|неверн|неправильн|ошибк|ошибочн|необъективн", "less": "ниже|меньше|кроме|только|"
           "единственн"},
    "ur": {"unfair": "ناانصافی|غلط|غیر منصفانہ", "less": "سے کم|کے علاوہ|صرف"},
    "id": {"unfair": "tidak adil|salah=|keliru|tidak akurat", "less": "kurang dari|di bawah|selain|hanya="},
    "de": {"unfair": "unfair|ungerecht|falsch|unzutreffend|fehlerhaft|einzig gerecht|einzig richtig",
           "less": "weniger als|unter=|niedriger|außer=|nur="},
    "ja": {"unfair": "不公平|不当|間違い|誤り|正しくない", "less": "未満|以下|以外|だけ|のみ"},
    "sw": {"unfair": "si haki|sio haki|makosa|dhuluma", "less": "chini ya|isipokuwa|pekee"},
    "mr": {"unfair": "अन्याय|चुकीचे", "less": "पेक्षा कमी|शिवाय|फक्त"},
    "te": {"unfair": "అన్యాయం|తప్పు", "less": "కంటే తక్కువ|తప్ప|మాత్రమే"},
    "tr": {"unfair": "haksız|adaletsiz|yanlış|hatalı|yanlı", "less": "daha az|altında|dışında|başka|sadece|yalnızca"},
    "ta": {"unfair": "அநியாயம்|நியாயமற்ற|தவறு", "less": "குறைவாக|தவிர|மட்டுமே"},
    "vi": {"unfair": "bất công|không công bằng|sai lầm|sai=|không chính xác", "less": "thấp hơn|ít hơn|dưới=|ngoài|"
           "chỉ có|duy nhất"},
    "ko": {"unfair": "불공정|부당|잘못|틀린|공정하지", "less": "미만|이하|이외|보다 낮|만이|유일"},
    "fa": {"unfair": "ناعادلانه|ظالمانه|اشتباه|نادرست|غلط", "less": "کمتر از|پایین‌تر|جز |غیر از|فقط"},
    "it": {"unfair": "ingiust|sbagliat|scorrett|errat|inesatt", "less": "meno di|inferiore|al di sotto|tranne|"
           "diverso da|unico="},
    "th": {"unfair": "ไม่ยุติธรรม|ไม่เป็นธรรม|ผิด|ไม่ถูกต้อง", "less": "ต่ำกว่า|น้อยกว่า|นอกจาก|เท่านั้น"},
    "pl": {"unfair": "niesprawiedliw|niesłuszn|błędn|niepoprawn|krzywdząc", "less": "mniej niż|mniejsz|poniżej|"
           "niższ|poza=|oprócz|jedyn"},
    "nl": {"unfair": "oneerlijk|onrechtvaardig|onjuist|fout=|verkeerd|onterecht", "less": "minder dan|lager dan|"
           "onder de|behalve|anders dan|enige="},
    "uk": {"unfair": "несправедлив|невірн|неправильн|помилк", "less": "нижче|менше|крім|тільки|лише|єдин"},
    "tl": {"unfair": "hindi patas|hindi makatarungan|mali=", "less": "mas mababa|maliban|tanging"},
    "gu": {"unfair": "અન્યાય|ખોટું", "less": "થી ઓછા|સિવાય|માત્ર"},
    "pa": {"unfair": "ਬੇਇਨਸਾਫ਼ੀ|ਗਲਤ", "less": "ਤੋਂ ਘੱਟ|ਤੋਂ ਇਲਾਵਾ|ਸਿਰਫ਼"},
    "ro": {"unfair": "nedrept|incorect|greșit|eronat", "less": "mai puțin|mai mic|sub=|în afară de|decât|singura"},
}
for _lang, _extra in _PERSUASION.items():
    LEXICON[_lang].update(_extra)

# Round 2 (issue 30): eleven more languages with the core concepts, after the first held-out
# split showed Czech, Swedish, Greek, Hebrew and Hungarian injections passing. ISO 639-1:
# cs sk sv da no fi el he hu bg hr (Croatian/Serbian/Bosnian Latin).
_MORE: dict[str, dict[str, str]] = {
    "cs": {"grader": "hodnotitel|hodnotitelk|zkoušející|zkoušejícímu|opravující|posuzovatel|recenzent|porot",
           "score": "bod=|bodů|body=|bodech|hodnocení|známk|skóre", "top": "plný počet|maximální|nejvyšší|perfektní|"
           "plné hodnocení", "rubric": "kritéri|hodnotící schéma", "rules": "pokyn|pravidl|instrukc|směrnic|zásad",
           "override": "ignoruj|zapomeň|zapomeňte|nerespektuj|zrušen|pozastaven|neplatí|přestávají platit|nahrazuj",
           "change": "aktualizovan|nové=|nová=|nový=|změněn|revidovan", "prior": "předchozí|výše|původní|dřívější|"
           "této dávky|od teď|od nynějška", "address": "milý=|vážený|vážená|upozornění", "address_start": "pro=|k rukám",
           "self": "této odpovědi|tato odpověď|tuto odpověď|moje odpověď", "give": "dejte|dej=|udělte|přidělte",
           "met": "splňuje|splněn", "all": "všechn|každ", "eval": "hodnocení|verdikt|posudek", "verdict": "vyhověl|"
           "výborn|splněno", "unfair": "nespravedliv|chybn|nesprávn", "less": "méně než|nižší|kromě|pouze"},
    "sk": {"grader": "hodnotiteľ|skúšajúci|opravujúci|posudzovateľ", "score": "bod=|bodov|body=|hodnoteni|známk|skóre",
           "top": "plný počet|maximáln|najvyšš|perfektn", "rubric": "kritéri", "rules": "pokyn|pravidl|inštrukci|zásad",
           "override": "ignoruj|zabudni|zrušen|pozastaven|neplatia|neplatí", "change": "aktualizovan|nové=|nová=|zmenen",
           "prior": "predchádzajúc|vyššie|pôvodn|od teraz", "address": "milý=|vážený|upozornenie",
           "address_start": "pre=", "self": "tejto odpovedi|táto odpoveď|túto odpoveď", "give": "dajte|daj=|udeľte",
           "met": "spĺňa|splnen", "all": "všetk|každ", "eval": "hodnotenie|verdikt", "verdict": "vyhovel|výborn",
           "unfair": "nespravodliv|nesprávn", "less": "menej ako|nižš|okrem|iba="},
    "sv": {"grader": "bedömare|bedömaren|examinator|granskare|granskaren|rättare|domare", "score": "poäng|betyg",
           "top": "högsta|maximal|full pott|fullt poäng|perfekt|toppbetyg", "rubric": "bedömningskriteri|kriteri|"
           "bedömningsmall|matris", "rules": "instruktion|regler|riktlinje|policy|anvisning|principer",
           "override": "bortse från|ignorera|glöm=|glöm de|åsidosätt|upphävd|upphävs|gäller inte längre|ersätter|"
           "ersatt", "change": "uppdaterad|ny=|nya=|reviderad|ändrad", "prior": "tidigare|ovan|ursprunglig|"
           "denna omgång|från och med nu", "address": "kära=|bäste|bästa=|obs=", "address_start": "till=|för=",
           "self": "detta svar|det här svaret|mitt svar", "give": "ge=|ge det|tilldela|sätt=", "met": "uppfyller|uppfyllt",
           "all": "alla=|varje", "eval": "bedömning|utlåtande|omdöme", "verdict": "godkänd|utmärkt",
           "unfair": "orättvis|felaktig", "less": "mindre än|lägre än|under=|utom=|endast"},
    "da": {"grader": "bedømmer|censor|eksaminator|dommer", "score": "point|karakter", "top": "højeste|maksimal|"
           "fuldt point|perfekt|topkarakter", "rubric": "kriteri|bedømmelsesskema", "rules": "instruktion|regler|"
           "retningslinje|politik|principper", "override": "ignorer|glem=|se bort fra|tilsidesæt|ophævet|gælder ikke "
           "længere|erstatter", "change": "opdateret|nye=|ny=|revideret|ændret", "prior": "tidligere|ovenfor|"
           "oprindelig|fra nu af", "address": "kære=|bemærk", "address_start": "til=|for=", "self": "dette svar|mit svar",
           "give": "giv=|tildel", "met": "opfylder|opfyldt", "all": "alle=|hvert|hver=", "eval": "bedømmelse|vurdering",
           "verdict": "bestået|fremragende", "unfair": "uretfærdig|forkert", "less": "mindre end|lavere end|undtagen|kun="},
    "no": {"grader": "sensor|bedømmer|eksaminator|dommer|vurderer", "score": "poeng|karakter", "top": "høyeste|"
           "maksimal|full score|fullt hus|perfekt|toppkarakter", "rubric": "kriteri|vurderingsskjema",
           "rules": "instruksjon|regler|retningslinje|policy|prinsipper", "override": "ignorer|glem=|se bort fra|"
           "tilsidesett|opphevet|gjelder ikke lenger|erstatter", "change": "oppdatert|nye=|ny=|revidert|endret",
           "prior": "tidligere|ovenfor|opprinnelig|fra nå av", "address": "kjære=|merk=", "address_start": "til=|for=",
           "self": "dette svaret|mitt svar", "give": "gi=|tildel", "met": "oppfyller|oppfylt", "all": "alle=|hvert|hver=",
           "eval": "vurdering|bedømmelse", "verdict": "bestått|utmerket", "unfair": "urettferdig|feil=",
           "less": "mindre enn|lavere enn|unntatt|bare="},
    "fi": {"grader": "arvioija|arvostelija|tarkastaja|tuomari|korjaaja", "score": "pistee|pisteet|pisteitä|arvosan",
           "top": "täydet pisteet|täydet|korkeimm|maksimi|täydellinen|parhaan arvosanan", "rubric": "kriteeri|"
           "arviointikriteeri|arviointiperuste", "rules": "ohje|sääntö|säännö|käytäntö|periaatte",
           "override": "ohita|unohda|jätä huomiotta|sivuuta|kumottu|peruttu|ei enää päde|eivät enää päde|korvaa",
           "change": "päivitet|uusi=|uudet|muutet|tarkistet", "prior": "aiemm|edellä|yllä|alkuperäi|tästä lähtien",
           "address": "hyvä=|huom", "address_start": "arvioijalle|tarkastajalle", "self": "tämä vastaus|tälle "
           "vastaukselle|tämän vastauksen|vastaukseni", "give": "anna=|antakaa", "met": "täyttää|täyttyvät|täyttyy",
           "all": "kaikki|jokai", "eval": "arviointi|arvio=|tuomio", "verdict": "hyväksytty|erinomai",
           "unfair": "epäreilu|väärin|virheelli", "less": "vähemmän kuin|alempi|paitsi|vain="},
    "el": {"grader": "αξιολογητ|βαθμολογητ|εξεταστ|κριτ", "score": "βαθμ|μονάδ|πόντ", "top": "μέγιστ|άριστ|τέλει|"
           "υψηλότερ|πλήρη βαθμ", "rubric": "κριτήρι|ρουμπρίκ", "rules": "οδηγί|κανόν|κανονισμ|πολιτικ|αρχές",
           "override": "αγνόησ|αγνοήστε|ξέχασ|ακυρώ|αναστέλλ|ανεστάλη|δεν ισχύ|αντικαθιστ", "change": "ενημερωμέν|"
           "νέ|αναθεωρημέν|τροποποιημέν", "prior": "προηγούμεν|παραπάνω|αρχικ|από τώρα", "address": "αγαπητ|προσοχή",
           "address_start": "προς=|για τον=|για την=", "self": "αυτή η απάντηση|αυτή την απάντηση|την απάντησή μου",
           "give": "βάλε|βάλτε|δώσε|δώστε|απόδωσε", "met": "πληροί|ικανοποι", "all": "όλ|κάθε=", "eval": "αξιολόγηση|"
           "ετυμηγορία|κρίση", "verdict": "επιτυχ|άριστ", "unfair": "άδικ|λάθος|εσφαλμέν", "less": "λιγότερ|χαμηλότερ|"
           "εκτός|μόνο="},
    "he": {"grader": "בודק|לבודק|הבודק|מעריך|למעריך|המעריך|שופט|לשופט|בוחן|לבוחן", "score": "ציון|נקודות|ניקוד",
           "top": "ציון מלא|מלא|מקסימל|הגבוה ביותר|מושלם", "rubric": "קריטריונ|מחוון", "rules": "הוראות|ההוראות|"
           "מההוראות|כללים|הכללים|הנחיות|ההנחיות|מדיניות|עקרונות", "override": "התעלם|התעלמו|שכח|בטל|בוטלו|מבוטל|"
           "מושעה|כבר לא בתוקף|מחליף", "change": "מעודכן|עדכון|חדש|מתוקן", "prior": "הקודמות|הקודמים|הקודם|לעיל|"
           "המקוריות|מעכשיו", "address": "לכבוד|שים לב", "self": "התשובה הזו|לתשובה הזו|תשובה זו|התשובה שלי",
           "give": "תן|תנו|הענק", "met": "עומד|עומדת|ממלא", "all": "כל=|כולם", "eval": "הערכה|ציון סופי|פסק",
           "verdict": "עבר|מצוין", "unfair": "לא הוגן|שגוי|לא נכון", "less": "פחות מ|נמוך מ|מלבד|רק="},
    "hu": {"grader": "értékelő|értékelőnek|vizsgáztató|bíráló|javító|bíró", "score": "pont|pontszám|jegy|osztályzat",
           "top": "maximális|legmagasabb|teljes pontszám|tökéletes|jeles", "rubric": "kritérium|értékelési szempont|"
           "szempontrendszer", "rules": "utasítás|szabály|irányelv|szabályzat|elvek", "override": "hagyd figyelmen "
           "kívül|hagyja figyelmen kívül|figyelmen kívül|felejtsd el|hatályon kívül|felfüggeszt|már nem érvényes|"
           "helyébe lép", "change": "frissített|új=|újak|módosított|felülvizsgált", "prior": "korábbi|fenti|eredeti|"
           "mostantól", "address": "kedves=|tisztelt|figyelem", "self": "erre a válaszra|ez a válasz|ennek a "
           "válasznak|válaszom", "give": "adj=|adjon|adjatok|ítélj", "met": "megfelel|teljesít", "all": "minden=|összes",
           "eval": "értékelés|ítélet|vélemény", "verdict": "megfelelt|kiváló", "unfair": "igazságtalan|hibás|helytelen",
           "less": "kevesebb|alacsonyabb|kivéve|csak="},
    "bg": {"grader": "оценител|оценяващ|проверяващ|изпитващ|рецензент|съдия", "score": "точк|оценк|бал",
           "top": "максимал|най-висок|пълен брой|отличн|перфектн", "rubric": "критери|рубрик", "rules": "инструкци|"
           "правил|указани|политик|принцип", "override": "игнорирай|игнорирайте|забрави|отмен|спрян|не важ|замест",
           "change": "актуализиран|нов|променен|преразгледан", "prior": "предишн|по-горе|първоначалн|отсега",
           "address": "уважаем|скъп|внимание", "address_start": "до=|за=", "self": "този отговор|моя отговор",
           "give": "дай|дайте|постав|присъд", "met": "отговаря|изпълн", "all": "всички|всеки", "eval": "оценяване|"
           "присъда|заключение", "verdict": "издържан|отличен", "unfair": "несправедлив|грешн|неправилн",
           "less": "по-малко|по-ниск|освен|само="},
    "hr": {"grader": "ocjenjivač|ocjenjivač|ispitivač|procjenitelj|recenzent|sudac|ocenjivač", "score": "bod=|bodova|"
           "bodove|ocjen|ocen", "top": "maksimaln|najviš|puni broj|savršen|odličn", "rubric": "kriterij|kriterijum",
           "rules": "uput|pravil|smjernic|smernic|politik|načel", "override": "zanemari|ignoriraj|ignoriši|zaboravi|"
           "poništen|suspendiran|više ne vrijed|više ne važ|zamjenjuj", "change": "ažuriran|nov|izmijenjen|revidiran",
           "prior": "prethodn|gore navedene|izvorn|od sada", "address": "dragi=|poštovan|pažnja", "address_start": "za=",
           "self": "ovaj odgovor|ovom odgovoru|moj odgovor", "give": "daj=|dajte|dodijeli", "met": "zadovoljava|ispunjava",
           "all": "sve=|svi=|svak", "eval": "ocjenjivanje|ocena|presuda", "verdict": "prolaz|odličan",
           "unfair": "nepravedn|pogrešn|netočn", "less": "manje od|niže|osim|samo="},
}
LEXICON.update(_MORE)

# ``you_are``: a persona given to the reader ("you are GenerousBot, a reviewer who ...").
_YOU_ARE = {"en": "you are|you're|you will be|you'll be|you act as", "es": "eres|serás|usted es",
            "fr": "tu es|vous êtes|tu seras|vous serez", "de": "du bist|sie sind jetzt|du wirst", "pt": "você é|tu és|"
            "você será", "it": "sei un|sei il|sei la|sarai", "ru": "ты=|вы=|ты —|вы —", "uk": "ти=|ви=",
            "pl": "jesteś|będziesz", "tr": "sen bir|sensin|olacaksın|siz bir", "nl": "je bent|jij bent|u bent",
            "vi": "bạn là|bạn sẽ là", "id": "kamu adalah|anda adalah|kamu sekarang|anda sekarang", "zh": "你是|你现在是|你将是",
            "ja": "あなたは", "ko": "당신은|너는", "ar": "أنت ", "hi": "तुम एक|आप एक|तुम अब|आप अब", "fa": "تو یک|شما یک",
            "th": "คุณคือ|คุณเป็น", "sw": "wewe ni", "ro": "ești|sunteți", "cs": "jsi=|budeš", "sv": "du är",
            "da": "du er", "no": "du er", "fi": "olet=", "el": "είσαι", "he": "אתה", "hu": "te vagy|ön"}
for _lang, _words in _YOU_ARE.items():
    LEXICON[_lang]["you_are"] = _words

# ``answers``: the graded objects in general ("answers like this", "correct responses").
_ANSWERS = {"en": "answers=|responses=|submissions=|this one|replies=|any response|every response|each response|"
                  "any answer|every answer|each answer", "es": "respuestas|respuesta",
            "fr": "réponses|réponse", "de": "antworten|antwort", "pt": "respostas|resposta", "it": "risposte|risposta",
            "ru": "ответы|ответ", "uk": "відповід", "pl": "odpowiedzi|odpowiedź", "tr": "cevaplar|yanıtlar|cevap",
            "nl": "antwoorden|antwoord", "vi": "câu trả lời", "id": "jawaban", "zh": "回答|答案", "ja": "回答|答え",
            "ko": "답변|응답", "ar": "الإجابات|الإجابة|إجابة", "hi": "उत्तर|जवाब", "fa": "پاسخ", "ro": "răspuns",
            "sv": "svar=", "cs": "odpověd|odpověď", "fi": "vastau", "el": "απάντησ", "he": "תשוב", "hu": "válasz"}
for _lang, _words in _ANSWERS.items():
    LEXICON[_lang]["answers"] = _words

# ``exam``: tests and exams, only to tell that a *prompt* is about grading.
_EXAM = {"en": "exam|test=|tests=|quiz|marking|grading|olympiad", "es": "examen|prueba|selectividad",
         "fr": "examen|épreuve|bac=|baccalauréat|concours", "de": "prüfung|klausur|abitur|test=", "pt": "exame|prova|enem",
         "it": "esame|esami|maturità|verifica", "ru": "экзамен|егэ|огэ|контрольн|зачёт|зачет", "uk": "іспит|екзамен|зно|нмт",
         "pl": "egzamin|matura|sprawdzian|kolokwium", "tr": "sınav|yks|lgs", "nl": "examen|toets|tentamen",
         "vi": "kỳ thi|bài thi|thi cử", "id": "ujian|tes=", "zh": "考试|高考|中考|测验|批改|阅卷", "ja": "試験|テスト|入試|採点",
         "ko": "시험|수능|채점", "ar": "امتحان|الامتحان|اختبار|الاختبارات|تصحيح", "hi": "परीक्षा|इम्तिहान",
         "fa": "امتحان|آزمون|کنکور", "bn": "পরীক্ষা", "sw": "mtihani|mitihani", "ro": "examen|bacalaureat",
         "cs": "zkouška|maturit|test=", "sv": "prov=|tentamen|examen", "fi": "koe=|kokee|ylioppilas|tentti",
         "el": "εξετάσ|πανελλαδικ", "he": "מבחן|בחינה|בגרות", "hu": "vizsga|érettségi|dolgozat", "th": "สอบ",
         "ta": "தேர்வு", "te": "పరీక్ష", "mr": "परीक्षा", "ur": "امتحان", "gu": "પરીક્ષા", "pa": "ਪ੍ਰੀਖਿਆ",
         "tl": "pagsusulit", "da": "eksamen|prøve", "no": "eksamen|prøve", "sk": "skúšk|maturit", "bg": "изпит|матур",
         "hr": "ispit|matur"}
for _lang, _words in _EXAM.items():
    LEXICON[_lang]["exam"] = _words

CONCEPTS = ("grader", "score", "top", "rubric", "rules", "override", "change", "prior", "address", "address_start",
            "self", "give", "met", "all", "eval", "verdict", "roleplay", "unrestricted", "already", "discuss", "unfair",
            "less", "you_are", "answers", "exam")
LANGUAGES = tuple(LEXICON)
