# Testskabeloner: listen på en stands administrationsside, skabelon-editoren, import og
# afvisninger af en skabelon eller af værdierne i en startformular. Ret teksten til højre
# for "="; "{ $name }" udfyldes af programmet og skal blive stående.

## Listen på en stands administrationsside.
template-list-title = Testskabeloner
template-list-hint = De test, denne stand tager imod: operatører starter dem fra standens side gennem deres formularer (administratorer kan stadig sende frie test). Når en skabelon redigeres, bliver den en ny version; kørsler beholder den version, de blev startet med.
template-list-none = Ingen skabeloner: alle starter frie test.
template-col-name = Navn
template-col-version = Version
template-col-parameters = Parametre
template-export = Eksporter
template-delete = Slet
template-new = Ny skabelon
template-import-label = Importer en skabelons JSON (som “Eksporter” giver den)
template-import = Importer
template-kind-number = tal
template-kind-integer = heltal
template-kind-text = tekst
template-kind-choice = valg
template-kind-boolean = ja/nej
template-kinds-numeric = tal- og heltals

## En skabelons afvisninger. $place angiver hvor, f.eks. parameters[2] (duration).max: behold den.
template-place-problem = { $place }: { $problem }
template-detail = { $detail }
template-name-length = giv testen et navn på 1-100 tegn
template-description-length = højst 2000 tegn
template-command-length = en kommando på 1-200 tegn
template-too-many-parameters = højst 100 parametre
template-parameter-twice = endnu en parameter med dette navn
template-too-many-limits = højst 100 grænser
template-parameter-name = 1-64 tegn, uden mellemrum omkring
template-only-kinds = kun { $kinds }felter har { $key }
template-unit-length = højst 16 tegn
template-integer-bound = et heltalsfelts grænse er et helt tal
template-max-below-min = max { $max } er under min { $min }
template-step = et positivt trin (helt for et heltal)
template-bad-pattern = ikke et regulært udtryk: { $detail }
template-choice-empty = et valg skal have mindst én værdi
template-choice-kind = værdi { $i } er hverken tekst eller et tal
template-choice-twice = værdien { $value } to gange
template-nul = tekst med et NUL-tegn kan ikke gemmes
template-not-json = ikke JSON: { $detail }
template-no-type = ingen type "{ $kind }"
template-not-a-number = "{ $value }" er ikke et tal
template-invalid = skabelonen er ikke gyldig: { $problem }
template-not-found = ingen testskabelon { $id }
template-not-found-text = ingen testskabelon "{ $id }"

## En værdi i en skabelons startformular, der afvises (vises ved feltet).
template-value-required = skal udfyldes
template-value-number = et tal
template-value-whole-number = et helt tal
template-value-at-least = mindst { $bound }
template-value-at-most = højst { $bound }
template-value-steps = i trin på { $step }
template-value-text = tekst
template-value-text-length = højst { $n } tegn
template-value-pattern = skal passe til { $pattern }
template-value-pattern-unusable = mønsteret kan ikke bruges: { $detail }
template-value-one-of = en af { $list }
template-value-boolean = sand eller falsk
template-value-no-such-parameter = testen "{ $test }" har ingen parameter "{ $name }"
template-values-refused = parameterværdier afvist: { $problems }
template-field-problem = { $field }: { $problem }
template-problems-joined = { $first }; { $second }
template-row-key-problem = { $key }: { $problem }
template-not-saved = Skabelonen blev ikke gemt: { $problem }
template-store-not-found = ingen skabelon { $id }
template-retired = skabelon { $id } er slettet; den kan ikke få nye versioner
template-changed-meanwhile = skabelon { $id } blev ændret af en anden i samme øjeblik; genindlæs og prøv igen

## Skabelon-editoren (/admin/stands/{id}/templates/new, /admin/templates/{id}).
template-new-title = Ny testskabelon
template-edit-title = Rediger { $name } v{ $version }
template-heading = Testskabelon “{ $name }”
template-heading-version = version { $version }, stand
template-heading-stand = stand
template-older-version = Dette er en ældre version; skabelonen er nu på version { $now }. Gem laver version { $next } ud fra denne.
template-description = Beskrivelse (vises på startformularen)
template-commands = Kommandoer, én pr. linje (sendes som commandList)
template-limits = Grænser for det, standen sender tilbage, som en JSON-liste (hvert resultat af en kørsel af denne test får et udfald: pass, fail eller error; tom: intet udfald), f.eks.
template-limits-measures = mål: min, max, mean, rms, peak_frequency (med "sample_rate": "fs"), value_at (med "index"); eller "scalar": "name" for et tal i dataObj
template-parameters-legend = Parametre, i den rækkefølge formularen viser dem og standen modtager dem
template-parameters-hint = En tom række ignoreres; gem for at få flere rækker. Valg: ét pr. linje,
template-parameters-hint-kinds = (en værdi, der kan læses som et tal, sendes som et tal). Enhed, min, max og trin gælder tal og heltal, mønsteret (et regulært udtryk, som hele teksten skal passe til) gælder tekst.
template-col-label = Etiket
template-col-help = Hjælp
template-col-type = Type
template-col-unit = Enhed
template-col-min = Min
template-col-max = Max
template-col-step = Trin
template-col-pattern = Mønster
template-col-choices = Valg
template-col-default = Standardværdi
template-col-required = Påkrævet
template-param-name = Parameter { $n }: navn
template-param-label = Parameter { $n }: etiket
template-param-help = Parameter { $n }: hjælp
template-param-type = Parameter { $n }: type
template-param-unit = Parameter { $n }: enhed
template-param-min = Parameter { $n }: min
template-param-max = Parameter { $n }: max
template-param-step = Parameter { $n }: trin
template-param-pattern = Parameter { $n }: mønster
template-param-choices = Parameter { $n }: valg
template-param-default = Parameter { $n }: standardværdi
template-param-required = Parameter { $n }: påkrævet
template-row-error = Række { $n }: { $problem }
template-save-version = Gem som ny version
template-save = Gem skabelonen
template-import-title = Importer en skabelon
template-import-hint = Indsæt en skabelons JSON, som “Eksporter” giver den (eller GET /api/templates/{"{"}id{"}"}/export).
template-json = Skabelonens JSON
template-or = eller

## En skabelons startformular på standens side.
template-choose = — vælg —
template-version-short = v{ $version }
template-field = { $name } ({ $kind })
template-field-with-unit = { $name } ({ $kind }, { $unit })
