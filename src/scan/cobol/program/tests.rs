use super::*;
use crate::rules::SourceOptions;
use crate::scan::testing::{key_text_line, warning_lines};

fn scan_with(library: Option<&Library>, text: &str) -> Vec<Item> {
    let options = SourceOptions::default();
    let ctx = ScanContext {
        library,
        ..ScanContext::for_test("COSGN00C.cbl", &options)
    };
    let mut items = Vec::new();
    CobolProgram.scan(&mut text.as_bytes(), &ctx, &mut |i| items.push(i));
    items
}

/// Fixed-format lines: sequence area, blank indicator, code from column 8.
fn fixed(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("000100 {l}\n")).collect()
}

fn map_library() -> Library {
    let mut library = Library::default();
    library.add_member(
        "cpy-bms/COSGN00.CPY",
        fixed(&[
            "01  COSGN0AI.",
            "    02  FILLER PIC X(12).",
            "    02  ERRMSGI  PIC X(78).",
            "01  COSGN0AO REDEFINES COSGN0AI.",
            "    02  FILLER PIC X(12).",
            "    02  ERRMSGO  PIC X(78).",
        ]),
    );
    library.set_programs(true);
    library
}

fn flows(items: &[Item]) -> Vec<Vec<(String, u64)>> {
    crate::scan::testing::definitions(items)
        .into_iter()
        .map(|d| d.flow.iter().map(|h| (h.field.clone(), h.max)).collect())
        .collect()
}

#[test]
fn moves_reach_the_screen_through_working_storage() {
    let library = map_library();
    let text = fixed(&[
        "IDENTIFICATION DIVISION.",
        "PROGRAM-ID. COSGN00C.",
        "DATA DIVISION.",
        "WORKING-STORAGE SECTION.",
        "01 WS-VARS.",
        "   05 WS-PGMNAME  PIC X(08) VALUE 'COSGN00C'.",
        "   05 WS-MESSAGE  PIC X(80) VALUE SPACES.",
        "   05 WS-FLAG     PIC X(01) VALUE 'N'.",
        "   05 WS-RETURN   PIC X(40).",
        "      88 WS-BYE   VALUE 'Thank you, bye'.",
        "COPY COSGN00.",
        "COPY DFHAID.",
        "PROCEDURE DIVISION.",
        "    MOVE 'Y' TO WS-FLAG",
        "    MOVE 'COSGN00C' TO WS-PGMNAME",
        "    MOVE 'Wrong Password. Try again ...' TO",
        "         WS-MESSAGE",
        "    MOVE 'It''s the \"end\"' TO ERRMSGO OF COSGN0AO",
        "    EXEC CICS SEND MAP('X') FROM(ERRMSGO) END-EXEC",
        "    STRING 'Hello, ' DELIMITED BY SIZE",
        "           WS-PGMNAME DELIMITED BY SPACE",
        "           ' logged in' DELIMITED BY SIZE",
        "      INTO WS-MESSAGE",
        "    INITIALIZE WS-MESSAGE",
        "    MOVE SPACES TO WS-MESSAGE",
        "    MOVE WS-RETURN TO WS-MESSAGE",
        "    MOVE WS-MESSAGE TO ERRMSGO OF COSGN0AO.",
    ]);
    let items = scan_with(Some(&library), &text);
    assert!(warning_lines(&items).is_empty(), "{items:?}");
    assert_eq!(
        key_text_line(&items),
        vec![
            (
                "Thank you, bye".to_string(),
                "Thank you, bye".to_string(),
                10
            ),
            (
                "Wrong Password. Try again ...".to_string(),
                "Wrong Password. Try again ...".to_string(),
                16
            ),
            (
                "It's the \"end\"".to_string(),
                "It's the \"end\"".to_string(),
                18
            ),
            (
                "Hello, <*> logged in".to_string(),
                "Hello, <*> logged in".to_string(),
                20
            ),
        ]
    );
    let ws = ("WS-MESSAGE".to_string(), 80);
    let screen = ("ERRMSGO OF COSGN0AO".to_string(), 78);
    assert_eq!(
        flows(&items),
        vec![
            vec![("WS-RETURN".to_string(), 40), ws.clone(), screen.clone()],
            vec![ws.clone(), screen.clone()],
            vec![screen.clone()],
            vec![ws, screen],
        ]
    );
    let defs = crate::scan::testing::definitions(&items);
    let via: Vec<Option<u64>> = defs[1]
        .flow
        .iter()
        .map(|h| h.via.as_ref().map(|v| v.line))
        .collect();
    assert_eq!(via, vec![Some(16), Some(27)]);
    assert_eq!(defs[1].flow[1].declared.path, "cpy-bms/COSGN00.CPY");
}

#[test]
fn copy_replacing_and_missing_members_warn_once() {
    let mut library = map_library();
    library.add_member(
        "cpy/CSSET.cpy",
        fixed(&["MOVE 'Field (VAR) is bad' TO (SCR)O OF COSGN0AO"]),
    );
    let text = fixed(&[
        "DATA DIVISION.",
        "COPY COSGN00.",
        "COPY NOSUCH1.",
        "COPY NOSUCH2.",
        "PROCEDURE DIVISION.",
        "    COPY CSSET REPLACING ==(SCR)== BY ==ERRMSG== ==(VAR)== BY ==X==.",
    ]);
    let items = scan_with(Some(&library), &text);
    // A copied member's literals are its own: not harvested from the program.
    assert!(key_text_line(&items).is_empty());
    assert_eq!(warning_lines(&items), vec![3]);
    let warning = items.iter().find_map(|i| match i {
        Item::Warning(w) => Some(w.message.clone()),
        _ => None,
    });
    assert_eq!(
        warning.as_deref(),
        Some(
            "COPY `NOSUCH1`: no such member among the system's copybooks (and 1 more problem(s) in this file)"
        )
    );
}

#[test]
fn without_any_screen_message_names_are_client_visible() {
    let text = [
        ">>SOURCE FORMAT FREE\n",
        "DATA DIVISION.\n",
        "01 ERR-MSG-TEXT PIC X(20).\n",
        "01 WS-CODE PIC X(8).\n",
        "PROCEDURE DIVISION. *> a comment 'with a quote\n",
        "MOVE 'Card expired' TO ERR-MSG-TEXT.\n",
        "MOVE 'ABC1234' TO WS-CODE.\n",
    ]
    .concat();
    let items = scan_with(None, &text);
    assert_eq!(
        key_text_line(&items),
        vec![("Card expired".to_string(), "Card expired".to_string(), 6)]
    );
}

#[test]
fn a_map_without_copybook_is_a_screen_of_its_own() {
    let mut library = Library::default();
    library.add_map(
        "bms/COSGN00.bms",
        "COSGN00 DFHMSD TYPE=MAP\nCOSGN0A DFHMDI SIZE=(24,80)\nERRMSG  DFHMDF LENGTH=78\n",
    );
    let text = fixed(&[
        "DATA DIVISION.",
        "COPY COSGN00.",
        "PROCEDURE DIVISION.",
        "    MOVE 'Please enter User ID ...' TO ERRMSGO OF COSGN0AO.",
    ]);
    let items = scan_with(Some(&library), &text);
    assert!(warning_lines(&items).is_empty());
    assert_eq!(flows(&items), vec![vec![("ERRMSGO".to_string(), 78)]]);
    let defs = crate::scan::testing::definitions(&items);
    assert_eq!(defs[0].flow[0].declared.path, "bms/COSGN00.bms");
}

#[test]
fn garbage_and_cycles_end_without_panic() {
    let mut library = Library::default();
    library.add_member("A.cpy", fixed(&["COPY A."]));
    let text = fixed(&[
        "COPY A.",
        "MOVE",
        "MOVE 'x' TO",
        "STRING INTO",
        "STRING 'a' DELIMITED BY",
        "PROCEDURE DIVISION.",
        "MOVE WS-X(1:2) OF TO .",
        "STRING FUNCTION TRIM(((",
    ]);
    let items = scan_with(Some(&library), &text);
    assert_eq!(warning_lines(&items).len(), 1);
}

#[test]
fn rules_message_fields_name_the_client_visible_fields_instead() {
    let mut library = map_library();
    library.set_message_fields(vec![regex::Regex::new("(?i)ws-alert.*").unwrap()]);
    let text = fixed(&[
        "DATA DIVISION.",
        "01 WS-ALERT-TEXT PIC X(40).",
        "01 WS-MESSAGE PIC X(80).",
        "COPY COSGN00.",
        "PROCEDURE DIVISION.",
        "    MOVE 'Card blocked by the bank' TO WS-ALERT-TEXT",
        "    MOVE 'Not named by the rules' TO WS-MESSAGE",
        "    MOVE WS-MESSAGE TO ERRMSGO OF COSGN0AO.",
    ]);
    let items = scan_with(Some(&library), &text);
    assert_eq!(
        key_text_line(&items),
        vec![(
            "Card blocked by the bank".to_string(),
            "Card blocked by the bank".to_string(),
            6
        )]
    );
}
