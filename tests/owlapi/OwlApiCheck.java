/*
 * OwlApiCheck: would this ontology document open cleanly in Protégé, and is it OWL 2 DL?
 *
 * Protégé is built on the OWL API, so this program loads the document with the same
 * library (Debian's libowlapi-java 5.1) and the same import resolution Protégé uses:
 * owl:imports are looked up in the catalog-v001.xml next to the file (uri, rewriteURI,
 * group with xml:base, nextCatalog). Without a catalog, Protégé maps the RDF/XML files
 * of the folder by their xml:base (never Turtle files); we do the same. Nothing is ever
 * fetched from the web: an import that only the web could supply is a load error, so a
 * test run is reproducible offline and a missing catalog entry cannot go unnoticed.
 *
 * It prints ONE JSON object on stdout (everything else, including the OWL API's own
 * output, goes to stderr) so that tests/owlapi.py can assert on individual fields:
 *   status            "ok" | "not_dl" | "load_error" | "internal_error"
 *   format, ontology_iri, version_iri, imports (declared), imports_closure (resolved),
 *   missing_imports, counts / counts_document, dl_violations (OWL API messages),
 *   unparsed_triples (RDF the parser dropped), undeclared_entities (guessed by the
 *   parser), load_errors (incl. everything the OWL API logged at ERROR), warnings,
 *   seconds.
 *
 * Usage (class path: the OWL API jars plus exactly one SLF4J binding, slf4j-jdk14, so
 * that parser errors that are only logged reach java.util.logging where we count them):
 *   java -cp <jars> OwlApiCheck.java [--catalog FILE | --no-catalog] [--no-auto-map]
 *        [--merged-out FILE] ONTOLOGY_FILE
 * Exit codes: 0 ok, 1 loads but not OWL 2 DL, 2 does not load cleanly, 3 checker
 * failure, 64 usage. The JSON object is printed in every case but usage errors.
 */

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.OWLParser;
import org.semanticweb.owlapi.io.OWLParserException;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.io.UnparsableOntologyException;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLImportsDeclaration;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyID;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyLoaderListener;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.profiles.Profiles;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public class OwlApiCheck {

    static final int EXIT_OK = 0, EXIT_NOT_DL = 1, EXIT_LOAD_ERROR = 2, EXIT_INTERNAL = 3, EXIT_USAGE = 64;
    static final String CATALOG_NAME = "catalog-v001.xml";
    static final String XML_NS = "http://www.w3.org/XML/1998/namespace";
    static final String[] COUNT_KEYS = {"axioms", "logical_axioms", "classes", "object_properties",
            "data_properties", "annotation_properties", "individuals"};

    /** The real stdout: reserved for the JSON result, everything else is sent to stderr. */
    static PrintStream out;
    static final List<String> loadErrors = new ArrayList<>();
    static final List<String> warnings = new ArrayList<>();
    /** The result object, in output order. */
    static final Map<String, Object> result = new LinkedHashMap<>();
    static long t0;

    public static void main(String[] args) {
        out = System.out;
        // Some libraries print to stdout; keep it clean for the JSON.
        System.setOut(System.err);
        // Belt and braces for "nothing from the web": the mapper below never hands the
        // OWL API an http(s) IRI, and should anything else try, it meets a closed port.
        for (String scheme : new String[] {"http", "https", "ftp"}) {
            System.setProperty(scheme + ".proxyHost", "127.0.0.1");
            System.setProperty(scheme + ".proxyPort", "9");
            System.setProperty(scheme + ".nonProxyHosts", "");
        }
        t0 = System.nanoTime();
        int code;
        try {
            code = run(args);
        } catch (Throwable t) {
            // Not a verdict on the ontology: kept apart from exit codes 1 and 2.
            t.printStackTrace(System.err);
            result.put("status", "internal_error");
            result.put("internal_error", t.toString());
            code = EXIT_INTERNAL;
        }
        result.put("load_errors", loadErrors);
        result.put("warnings", warnings);
        result.put("seconds", Math.round((System.nanoTime() - t0) / 1e6) / 1e3);
        out.println(Json.write(result));
        out.flush();
        System.exit(code);
    }

    static int run(String[] args) throws Exception {
        // Must run before the OWL API creates its first logger: with slf4j-jdk14 on the
        // class path its log goes to java.util.logging, where we collect it.
        captureOwlApiLogging();

        String catalogArg = null, mergedOut = null, fileArg = null;
        boolean useCatalog = true, autoMap = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--catalog": catalogArg = value(args, ++i, a); break;
                case "--no-catalog": useCatalog = false; break;
                case "--no-auto-map": autoMap = false; break;
                case "--merged-out": mergedOut = value(args, ++i, a); break;
                default:
                    if (a.startsWith("-") || fileArg != null) usage("unexpected argument " + a);
                    fileArg = a;
            }
        }
        if (fileArg == null) usage("no ONTOLOGY_FILE given");
        File file = new File(fileArg).getAbsoluteFile();
        if (!file.isFile()) usage("no such file: " + fileArg);
        result.put("file", file.getPath());
        result.put("status", "load_error");

        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OfflineMapper mapper = new OfflineMapper(file.getParentFile());
        File catalogFile = catalogArg != null ? new File(catalogArg).getAbsoluteFile()
                                              : new File(file.getParentFile(), CATALOG_NAME);
        if (useCatalog && catalogFile.isFile()) {
            result.put("catalog", catalogFile.getPath());
            try {
                mapper.catalog = Catalog.parse(catalogFile.toURI(), new LinkedHashSet<>());
                mapper.catalog.checkTargets();
            } catch (Exception e) {
                loadErrors.add("catalog " + catalogFile + " cannot be read: " + firstLine(e)
                        + " (Protégé would set it aside, and the imports it maps would go missing)");
            }
        } else if (catalogArg != null) {
            usage("no such catalog: " + catalogArg);
        } else {
            result.put("catalog", null);
            // Protégé's default "Folder Repository": RDF/XML files mapped by their xml:base.
            if (autoMap) mapper.addFolder(file.getParentFile());
        }
        manager.getIRIMappers().set(mapper);

        OWLOntologyLoaderConfiguration conf = manager.getOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setReportStackTraces(false)
                // As Protégé does: the Rio TriX parser "succeeds" on other syntaxes and
                // returns an empty ontology, which would hide syntax errors.
                .setBannedParsers("org.semanticweb.owlapi.rio.RioTrixParserFactory");
        manager.setOntologyLoaderConfiguration(conf);

        Map<String, String> missing = new LinkedHashMap<>();
        manager.addMissingImportListener(e -> missing.put(e.getImportedOntologyURI().toString(),
                firstLine(e.getCreationException())));
        List<Map<String, Object>> closure = new ArrayList<>();
        manager.addOntologyLoaderListener(new OWLOntologyLoaderListener() {
            @Override public void startedLoadingOntology(LoadingStartedEvent e) { }
            @Override public void finishedLoadingOntology(LoadingFinishedEvent e) {
                if (e.isImported() && e.isSuccessful()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("ontology_iri", e.getOntologyID().getOntologyIRI().map(IRI::toString).orElse(null));
                    m.put("version_iri", e.getOntologyID().getVersionIRI().map(IRI::toString).orElse(null));
                    m.put("document", e.getDocumentIRI().toString());
                    closure.add(m);
                }
            }
        });

        OWLOntology ont;
        try {
            ont = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file), conf);
        } catch (UnparsableOntologyException e) {
            loadErrors.add(unparsable(e, file));
            return EXIT_LOAD_ERROR;
        } catch (OWLOntologyCreationException e) {
            loadErrors.add("cannot load: " + firstLine(e));
            return EXIT_LOAD_ERROR;
        } catch (RuntimeException e) {
            // A parser crash on malformed input (e.g. owl:unionOf pointing at a class
            // instead of a list): Protégé cannot open the file either.
            loadErrors.add("the OWL API parser crashed: " + e.getClass().getSimpleName() + ": " + firstLine(e));
            return EXIT_LOAD_ERROR;
        }

        OWLDocumentFormat format = manager.getOntologyFormat(ont);
        String formatName = format == null ? "unknown" : format.getKey();
        result.put("format", formatName);
        checkFormatMatchesExtension(file, formatName);
        OWLOntologyID id = ont.getOntologyID();
        result.put("ontology_iri", id.getOntologyIRI().map(IRI::toString).orElse(null));
        result.put("version_iri", id.getVersionIRI().map(IRI::toString).orElse(null));
        result.put("imports", ont.importsDeclarations().map(OWLImportsDeclaration::getIRI).map(IRI::toString)
                .sorted().collect(Collectors.toList()));
        result.put("imports_closure", closure);
        List<Map<String, String>> missingList = new ArrayList<>();
        missing.forEach((iri, why) -> {
            String reason = mapper.blocked.contains(iri)
                    ? "not mapped by " + CATALOG_NAME + " (or, without a catalog, by an RDF/XML file of the"
                      + " folder) and this check never fetches from the web"
                    : why;
            Map<String, String> m = new LinkedHashMap<>();
            m.put("iri", iri);
            m.put("reason", reason);
            missingList.add(m);
            loadErrors.add("import <" + iri + "> cannot be loaded: " + reason);
        });
        result.put("missing_imports", missingList);

        List<String> unparsed = new ArrayList<>();
        List<String> undeclared = new ArrayList<>();
        for (OWLOntology o : ont.importsClosure().collect(Collectors.toList())) {
            parserMetaData(o, manager.getOntologyFormat(o), unparsed, undeclared);
        }
        for (String t : unparsed) loadErrors.add("triple dropped by the parser (not turned into an axiom): " + t);
        result.put("unparsed_triples", unparsed);
        result.put("undeclared_entities", undeclared);

        Map<String, Long> counts = new LinkedHashMap<>(), countsDoc = new LinkedHashMap<>();
        for (String k : COUNT_KEYS) {
            counts.put(k, count(ont, k, Imports.INCLUDED));
            countsDoc.put(k, count(ont, k, Imports.EXCLUDED));
        }
        result.put("counts", counts);
        result.put("counts_document", countsDoc);

        List<OWLProfileViolation> violations = Profiles.OWL2_DL.checkOntology(ont).getViolations();
        result.put("dl_violations", violations.stream().map(v -> oneLine(v.toString())).collect(Collectors.toList()));

        if (mergedOut != null && loadErrors.isEmpty()) {
            writeMerged(manager, ont, new File(mergedOut));
            result.put("merged", new File(mergedOut).getAbsolutePath());
        }
        int code = !loadErrors.isEmpty() ? EXIT_LOAD_ERROR : !violations.isEmpty() ? EXIT_NOT_DL : EXIT_OK;
        result.put("status", code == EXIT_OK ? "ok" : code == EXIT_NOT_DL ? "not_dl" : "load_error");
        return code;
    }

    // ---- loading problems ---------------------------------------------------------------

    /** Every parser failed: report the one for the file's own syntax, not the other dozen. */
    static String unparsable(UnparsableOntologyException e, File file) {
        String expected = expectedFormatWord(file.getName());
        String first = null;
        List<String> all = new ArrayList<>();
        for (Map.Entry<OWLParser, OWLParserException> p : e.getExceptions().entrySet()) {
            String format;
            try {
                format = p.getKey().getSupportedFormat().getKey();
            } catch (RuntimeException | LinkageError ex) {
                format = "?";
            }
            String msg = oneLine(String.valueOf(p.getValue().getMessage()))
                    .replaceFirst("^org\\.[\\w.]+(Exception|Error):\\s*", "");
            if (msg.length() > 400) msg = msg.substring(0, 400) + " ...";
            String line = format + " parser (" + p.getKey().getClass().getSimpleName() + "): " + msg;
            all.add(line);
            if (first == null && expected != null
                    && format.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "").contains(expected)) {
                first = line;
            }
        }
        result.put("parser_errors", all);
        return "syntax error: no OWL API parser could read the document" + (first == null ? "" : "; " + first);
    }

    static String expectedFormatWord(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".ttl")) return "turtle";
        if (n.endsWith(".rdf") || n.endsWith(".owl")) return "rdfxml";
        if (n.endsWith(".ofn")) return "functional";
        if (n.endsWith(".owx")) return "owlxml";
        if (n.endsWith(".nt")) return "ntriples";
        return null;
    }

    /** A broken file is sometimes "rescued" by a parser for another syntax; that is an error. */
    static void checkFormatMatchesExtension(File file, String formatName) {
        String n = file.getName().toLowerCase(Locale.ROOT);
        String f = formatName.toLowerCase(Locale.ROOT);
        boolean ok = true;
        if (n.endsWith(".ttl")) ok = f.contains("turtle");
        else if (n.endsWith(".rdf")) ok = f.contains("rdf/xml");
        else if (n.endsWith(".owl")) ok = f.contains("rdf/xml") || f.contains("owl/xml") || f.contains("functional");
        else if (n.endsWith(".nt")) ok = f.contains("n-triples") || f.contains("ntriples");
        if (!ok) {
            loadErrors.add("the file name says " + n.substring(n.lastIndexOf('.')) + " but the OWL API could only"
                    + " read it as " + formatName + ": the document is probably broken in its own syntax");
        }
    }

    /** RDF triples the parser could not turn into axioms vanish silently in Protégé. */
    static void parserMetaData(OWLOntology o, OWLDocumentFormat format, List<String> unparsed, List<String> undeclared) {
        if (format == null) return;
        Optional<OWLOntologyLoaderMetaData> md = format.getOntologyLoaderMetaData();
        if (!md.isPresent() || !(md.get() instanceof RDFParserMetaData)) return;
        RDFParserMetaData rdf = (RDFParserMetaData) md.get();
        rdf.getUnparsedTriples().forEach(t -> unparsed.add(oneLine(t.toString())));
        rdf.getGuessedDeclarations().asMap().forEach((iri, kinds) -> undeclared.add(iri + " (guessed: "
                + kinds.stream().map(Class::getSimpleName).map(s -> s.replaceFirst("^OWL", "")).distinct()
                        .collect(Collectors.joining("/")) + ")"));
    }

    // ---- counts, merge --------------------------------------------------------------------

    static long count(OWLOntology o, String key, Imports imp) {
        switch (key) {
            case "axioms": return o.getAxiomCount(imp);
            case "logical_axioms": return o.getLogicalAxiomCount(imp);
            case "classes": return o.classesInSignature(imp).count();
            case "object_properties": return o.objectPropertiesInSignature(imp).count();
            case "data_properties": return o.dataPropertiesInSignature(imp).count();
            case "annotation_properties": return o.annotationPropertiesInSignature(imp).count();
            case "individuals": return o.individualsInSignature(imp).count();
            default: throw new IllegalArgumentException(key);
        }
    }

    /** One RDF/XML document with every axiom of the imports closure and no owl:imports (reasoner input). */
    static void writeMerged(OWLOntologyManager manager, OWLOntology ont, File out) throws Exception {
        OWLOntologyManager m2 = OWLManager.createOWLOntologyManager();
        IRI iri = ont.getOntologyID().getOntologyIRI().orElse(IRI.create("urn:kgqa:merged"));
        OWLOntology merged = m2.createOntology(iri);
        m2.addAxioms(merged, ont.importsClosure().flatMap(OWLOntology::axioms));
        RDFXMLDocumentFormat format = new RDFXMLDocumentFormat();
        Stream.concat(Stream.of(ont), ont.imports()).map(manager::getOntologyFormat)
                .filter(f -> f != null && f.isPrefixOWLDocumentFormat())
                .forEach(f -> f.asPrefixOWLDocumentFormat().getPrefixName2PrefixMap().forEach((k, v) -> {
                    if (!format.containsPrefixMapping(k)) format.setPrefix(k, v);
                }));
        try (OutputStream os = new FileOutputStream(out)) {
            m2.saveOntology(merged, format, os);
        }
    }

    // ---- import resolution ----------------------------------------------------------------

    /** Catalog first, then (without a catalog) the folder's RDF/XML files; never the web. */
    static final class OfflineMapper implements OWLOntologyIRIMapper {
        private static final long serialVersionUID = 1L;
        final File dir;
        Catalog catalog;
        final Map<String, URI> folderMap = new LinkedHashMap<>();
        final Set<String> duplicates = new LinkedHashSet<>();
        final Set<String> blocked = new LinkedHashSet<>();

        OfflineMapper(File dir) { this.dir = dir; }

        /** Protégé's Folder Repository: .owl/.rdf/.xml/.owx files by their root xml:base. */
        void addFolder(File folder) {
            File[] entries = folder.listFiles();
            if (entries == null) return;
            Arrays.sort(entries);
            for (File f : entries) {
                if (f.getName().startsWith(".")) continue;
                if (f.isDirectory()) {
                    addFolder(f);
                } else if (f.getName().matches("(?i).*\\.(owl|rdf|xml|owx)$")) {
                    String base = xmlBase(f);
                    if (base == null) continue;
                    if (folderMap.containsKey(base) && !folderMap.get(base).equals(f.toURI())) duplicates.add(base);
                    else folderMap.put(base, f.toURI());
                }
            }
        }

        static String xmlBase(File f) {
            try (java.io.InputStream in = new java.io.FileInputStream(f)) {
                javax.xml.stream.XMLInputFactory xf = javax.xml.stream.XMLInputFactory.newInstance();
                xf.setProperty(javax.xml.stream.XMLInputFactory.SUPPORT_DTD, false);
                javax.xml.stream.XMLStreamReader r = xf.createXMLStreamReader(in);
                while (r.hasNext()) {
                    if (r.next() == javax.xml.stream.XMLStreamConstants.START_ELEMENT) {
                        String b = r.getAttributeValue(XML_NS, "base");
                        return b == null || b.isEmpty() ? null : b;
                    }
                }
            } catch (Exception e) {
                // not XML: Protégé skips it silently too
            }
            return null;
        }

        @Override public IRI getDocumentIRI(IRI iri) {
            String key = iri.toString();
            if (catalog != null) {
                URI u = catalog.resolve(key);
                if (u != null) return IRI.create(u);
            }
            if (!duplicates.contains(key) && folderMap.containsKey(key)) return IRI.create(folderMap.get(key));
            String scheme = Optional.ofNullable(iri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            if (!scheme.equals("file")) {
                blocked.add(key);
                // A document that cannot exist: loading fails at once, the missing-import
                // listener reports it, and no network connection is ever opened.
                return IRI.create(new File(dir, ".owlapi-check-offline/not-fetched").toURI());
            }
            return null;
        }
    }

    /** An OASIS XML catalog as Protégé writes and reads it. */
    static final class Catalog {
        final URI location;
        final Map<String, URI> uris = new LinkedHashMap<>();
        final Map<String, URI> rewrites = new LinkedHashMap<>();
        final List<Catalog> next = new ArrayList<>();

        Catalog(URI location) { this.location = location; }

        static Catalog parse(URI location, Set<URI> seen) throws Exception {
            if (!seen.add(location)) throw new IllegalStateException("nextCatalog loop at " + location);
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setExpandEntityReferences(false);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = f.newDocumentBuilder().parse(location.toString()).getDocumentElement();
            if (!"catalog".equals(root.getLocalName())) {
                throw new IllegalStateException("root element is <" + root.getNodeName() + ">, not <catalog>");
            }
            Catalog c = new Catalog(location);
            c.walk(root, base(root, location), seen);
            return c;
        }

        static URI base(Element e, URI inherited) {
            String b = e.getAttributeNS(XML_NS, "base");
            return b.isEmpty() ? inherited : inherited.resolve(b);
        }

        void walk(Element parent, URI base, Set<URI> seen) throws Exception {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (!(n instanceof Element)) continue;
                Element e = (Element) n;
                URI b = base(e, base);
                switch (String.valueOf(e.getLocalName())) {
                    case "uri": uris.putIfAbsent(e.getAttribute("name"), b.resolve(e.getAttribute("uri"))); break;
                    case "rewriteURI":
                        rewrites.putIfAbsent(e.getAttribute("uriStartString"), b.resolve(e.getAttribute("rewritePrefix")));
                        break;
                    case "group": walk(e, b, seen); break;
                    case "nextCatalog": next.add(parse(b.resolve(e.getAttribute("catalog")), seen)); break;
                    default: warnings.add("catalog " + location + ": entry <" + e.getLocalName() + "> is not used");
                }
            }
        }

        URI resolve(String iri) {
            URI u = uris.get(iri);
            if (u != null) return u;
            String best = null;
            for (String p : rewrites.keySet()) {
                if (iri.startsWith(p) && (best == null || p.length() > best.length())) best = p;
            }
            if (best != null) return URI.create(rewrites.get(best) + iri.substring(best.length()));
            for (Catalog c : next) {
                u = c.resolve(iri);
                if (u != null) return u;
            }
            return null;
        }

        /** An entry pointing at a file that is not there breaks that import in Protégé. */
        void checkTargets() {
            uris.forEach((name, target) -> {
                if ("file".equals(target.getScheme()) && !new File(target).exists()) {
                    warnings.add("catalog " + location + " maps <" + name + "> to " + target + ", which does not exist");
                }
            });
            next.forEach(Catalog::checkTargets);
        }
    }

    // ---- logging, output ------------------------------------------------------------------

    /** Some parser problems (e.g. owlapi/error#Error1 classes for broken restrictions) are only logged. */
    static void captureOwlApiLogging() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.setLevel(Level.WARNING);
        root.addHandler(new Handler() {
            @Override public void publish(LogRecord r) {
                String msg = oneLine(String.valueOf(r.getMessage()));
                if (r.getThrown() != null) msg += " (" + firstLine(r.getThrown()) + ")";
                String src = r.getLoggerName() == null ? "" : r.getLoggerName().replaceAll(".*\\.", "");
                if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    loadErrors.add("OWL API logged an error [" + src + "]: " + msg);
                } else {
                    warnings.add("OWL API logged a warning [" + src + "]: " + msg);
                }
            }
            @Override public void flush() { }
            @Override public void close() { }
        });
    }

    static void usage(String problem) {
        System.err.println("OwlApiCheck: " + problem);
        System.err.println("usage: java -cp <owlapi jars> OwlApiCheck.java [--catalog FILE | --no-catalog]"
                + " [--no-auto-map] [--merged-out FILE] ONTOLOGY_FILE");
        System.exit(EXIT_USAGE);
    }

    static String value(String[] args, int i, String opt) {
        if (i >= args.length) usage(opt + " needs a value");
        return args[i];
    }

    static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return oneLine(m.split("\\R", 2)[0]);
    }

    static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** Just enough JSON for maps, lists, strings, numbers, booleans and null. */
    static final class Json {
        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(v, sb);
            return sb.toString();
        }

        static void write(Object v, StringBuilder sb) {
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Map) {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    string(String.valueOf(e.getKey()), sb);
                    sb.append(": ");
                    write(e.getValue(), sb);
                }
                sb.append('}');
            } else if (v instanceof Collection) {
                sb.append('[');
                boolean first = true;
                for (Object o : (Collection<?>) v) {
                    if (!first) sb.append(", ");
                    first = false;
                    write(o, sb);
                }
                sb.append(']');
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                string(v.toString(), sb);
            }
        }

        static void string(String s, StringBuilder sb) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    default:
                        if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        else sb.append(c);
                }
            }
            sb.append('"');
        }
    }
}
