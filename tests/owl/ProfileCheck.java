// Checks an ontology file against the OWL 2 DL profile with the OWL API's own profile checker.
// Usage: java ProfileCheck FILE. Prints one violation per line; exit 0 in profile, 1 violations, 2 unreadable.
// tests/test_ontology_profile.py compiles and runs it (javac/java from default-jdk-headless,
// the OWL API from Debian's libowlapi-java).

import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public final class ProfileCheck {
    private ProfileCheck() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ProfileCheck ONTOLOGY_FILE");
            System.exit(2);
        }
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        } catch (OWLOntologyCreationException error) {
            System.err.println("cannot load " + args[0] + ": " + error.getMessage());
            System.exit(2);
            return;
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println(violation.toString().replaceAll("\\s+", " ").trim());
        }
        System.out.println(report.getViolations().size() + " violations of " + report.getProfile().getName());
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
