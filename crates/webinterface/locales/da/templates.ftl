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
