# Resultater: listen med filtre, et resultats side, dets udfald og grafer, downloads.
# Ret teksten til højre for "="; "{ $navn }" udfyldes af programmet og skal stå uændret.
# API'et svarer fejlbeskederne på engelsk, med nøglen som deres "code".

# Listen.
results-found = { $n } fundet
results-new = Der er kommet nye resultater, siden siden blev indlæst.
results-show-new = Vis dem
results-any = alle
results-user = Bruger
results-user-hint = hvem der startede eller sendte det
results-from = Fra
results-to = Til
results-not-kept = ikke gemt
results-verdict = Udfald
results-filter = Filtrer
results-clear = nulstil
results-none-match = Ingen resultater passer.
# "Af" for et resultat hvis kørsel blev startet af én bruger og sendt under et andet navn.
result-by-sent-by = { $user } (sendt af { $sender })
results-newer = ← nyere
results-older = ældre →
results-page = side { $page }
result-deleted = Resultat { $id } er slettet.
# Et resultat uden udfald (kørslen havde ingen skabelon, eller skabelonen ingen grænser).
result-verdict-none = intet

# Et resultat.
result-title = Resultat { $id }
result-kept-forever = gemt for altid
result-template = Testskabelon
result-requested-by = Bestilt af
result-requested-at = Bestilt
result-sent-by = Sendt af
result-status-code = Statuskode
result-commands = Kommandoer
result-sample-rate = Samplingsrate
result-rate-hz = { $rate } Hz
result-rate-none = ikke angivet (akser i samples)
# $by er et brugernavn, $at et tidspunkt.
result-run-cancelled = { $run } — annulleret af { $by } { $at }; dette resultat kom efter annulleringen
result-run-unsolicited = — (uopfordret)
result-now-kept = Dette resultat gemmes for altid.
result-no-longer-kept = Dette resultat gemmes ikke længere for altid.
result-download-csv = Hent CSV
result-download-csv-classic = CSV, klassisk layout
result-download-csv-classic-title = Testdato, afsender og kommandoer, så parametrene, så serierne, som det gamle system skrev det
result-download-xlsx = Hent Excel (.xlsx)
result-download-xlsx-classic = Excel, klassisk layout
result-download-xlsx-classic-title = Arkene Data (testdato og afsender, så serierne), diagram og Parameters, som det gamle system skrev dem
result-keep = Gem for altid
result-stop-keeping = Gem ikke længere for altid
result-delete = Slet
result-delete-confirm = Slet resultat { $id } og alle dets serier?
result-verdict-pending-hint = Måles mod testens grænser; genindlæs om et par sekunder.
result-measurement = Måling
result-limits = Grænser
result-outcome = Udfald
result-no-parameters = Ingen parametre.
result-series-pages = Sider med serier
result-series-range = Serie { $from }–{ $to } af { $total }
result-series-previous = Forrige serier
result-series-next = Næste serier
result-series-points = { $n } punkter
result-raw-values = { $n } værdier, ikke alle tal: vist som modtaget

# Graferne (tegnes i browseren).
result-plot-against-label = Tegn mod
result-plot-index = samplenummer / tid
result-plot-against-hint = Vælg en serie som x-akse for at tegne de andre mod den (x–y).
result-plot-loading = Indlæser grafen…
result-plot-spectrum-of = Effektspektrum af { $name }
result-plot-hint = Træk hen over en graf for at zoome ind, dobbeltklik for at zoome ud; hold musen over for værdier. Graferne tegnes af et udvalg af punkterne, der bevarer alle minima og maksima; downloads har alle punkter.
result-plot-time = tid (s)
result-plot-sample = sample
result-plot-value = værdi
result-plot-frequency-hz = frekvens (Hz)
result-plot-frequency-cycles = frekvens (perioder/sample)
result-plot-power = effekt (dB)
# $y og $x er seriers navne.
result-plot-against = { $y } mod { $x }
result-plot-zoomed = (zoomet: dobbeltklik for at zoome ud)
result-plot-failed = Grafen kunne ikke indlæses: { $error }

# Fejl.
result-not-found = resultat { $id } findes ikke
result-bad-id = resultat "{ $id }" findes ikke
result-series-not-found = resultat { $id } har ingen numerisk serie { $position }
result-bad-sample-index = { $name }="{ $value }" er ikke et samplenummer
result-bad-position = { $name } skal være positionen af en serie
result-xlsx-too-long = serien "{ $name }" har { $count } værdier, flere end et Excel-ark kan rumme ({ $max }); hent CSV-filen
result-xlsx-too-many-series = { $count } serier, flere end et Excel-ark har kolonner ({ $max }); hent CSV-filen
result-xlsx-too-many-parameters = { $count } parametre, flere end et Excel-ark har kolonner ({ $max }); hent CSV-filen
result-old-not-imported = resultat { $old } fra det gamle system er ikke importeret her, så det har ingen side. En administrator kan hente de gamle resultater over med `webinterface import-django`; resultater gemt siden da findes under Resultater.
# Listens filtre: $name er feltet (from, to, page, per_page), $value som angivet.
results-filter-bad-time = { $name }="{ $value }" er ikke en dato (ÅÅÅÅ-MM-DD) eller et RFC 3339-tidspunkt
results-filter-bad-number = { $name }="{ $value }" skal være et helt tal fra { $min } til { $max }
# $reason er en af teksterne stand-id-….
results-filter-bad-stand = stand="{ $value }": { $reason }
results-filter-user-too-long = user= er længere end 150 tegn
results-filter-from-after-to = from= skal ligge før to=
results-filter-bad-kept = kept="{ $value }" skal være true eller false
results-filter-bad-verdict = verdict="{ $value }" skal være pass, fail, error, pending eller none
