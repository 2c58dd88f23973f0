"""Everything Excel-facing and the rules, in layers; each layer imports only the ones below it.

    cli.py, macros.py   the edges: the command line, and the functions the workbook's buttons run
                        (macros.py keeps its path: every template's VBA names addin.macros)
    sheet/              a workbook open in Excel, through xlwings     } independent of
    files/              CSV and XLSX files: reading, checked copies,   } each other
                        vendor exports, the offline check              }
    template/           building the .xlsm templates (with vbaproject/ and the VBA in vba/)
    profiles/           one module per target format: the only place a column's rule is written
    rules/              field kinds, the column and profile model, the engine, findings

Never imports the server or Flask: the server imports this package, not the other way round.
The contracts in pyproject.toml ([tool.importlinter]) enforce all of this; the tests run them.
"""
