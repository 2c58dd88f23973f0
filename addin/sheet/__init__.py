"""A workbook open in Excel, reached through xlwings (RunPython locally, RunRemotePython on the
server): reading the data sheet in one call (book), finding its header and rows (region),
checking them (validation), planning the bulk writes that mark them (writes), and sending the
accepted rows to the import server (submission, http_sender).

May import: addin.rules, addin.profiles, xlwings and requests. Not addin.files or
addin.template.
"""
