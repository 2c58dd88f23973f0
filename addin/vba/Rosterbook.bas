Attribute VB_Name = "Rosterbook"
' The template's buttons. Each macro only hands the workbook to Python: every rule lives in the
' rosterbook profiles, never here. The xlwings.conf sheet's rosterbook.mode chooses how:
'   local   Python runs on this computer (xlwings RunPython)
'   server  the workbook goes to the rosterbook import server (xlwings RunRemotePython)
Option Explicit

' Remote.bas counts a sheet's rows As Integer: a longer sheet would overflow before anything is sent.
Private Const MAX_SERVER_ROWS As Long = 32767

Public Sub ValidateRows()
    On Error GoTo Failed
    Application.StatusBar = "rosterbook: checking the rows..."
    If InLocalMode() Then
        RunPython "import addin.macros; addin.macros.validate()"
    Else
        CallServer "/xlwings/validate"
    End If
    Application.StatusBar = False
    Exit Sub
Failed:
    ShowFailure "check the rows", Err.Description
End Sub

Public Sub SubmitRows()
    On Error GoTo Failed
    Application.StatusBar = "rosterbook: sending the accepted rows to the import server..."
    If InLocalMode() Then
        RunPython "import addin.macros; addin.macros.submit()"
    Else
        CallServer "/xlwings/submit"
    End If
    Application.StatusBar = False
    Exit Sub
Failed:
    ShowFailure "submit the rows", Err.Description
End Sub

Public Sub ClearMarks()
    On Error GoTo Failed
    Application.StatusBar = "rosterbook: clearing the marks..."
    If InLocalMode() Then
        RunPython "import addin.macros; addin.macros.clear_marks()"
    Else
        CallServer "/xlwings/clear"
    End If
    Application.StatusBar = False
    Exit Sub
Failed:
    ShowFailure "clear the marks", Err.Description
End Sub

Private Function InLocalMode() As Boolean
    InLocalMode = (LCase(Trim(GetConfig("ROSTERBOOK.MODE", "server", "sheet"))) = "local")
End Function

Private Sub CallServer(endpoint As String)
    Dim url As String, token As String, longSheet As Worksheet
    url = Trim(GetConfig("ROSTERBOOK.SERVER_URL", "", "sheet"))
    If url = "" Then
        MsgBox "This workbook does not say where the import server is. Unhide the xlwings.conf sheet " & _
            "(right-click a sheet tab > Unhide), enter the server's address next to rosterbook.server_url " & _
            "(for example http://127.0.0.1:5000), hide the sheet again and retry.", vbExclamation, "rosterbook"
        Exit Sub
    End If
    If Right(url, 1) = "/" Then url = Left(url, Len(url) - 1)
    token = ServerToken()
    If token = "" Then
        MsgBox "rosterbook needs your import token to talk to the server at " & url & "." & vbLf & vbLf & _
            "Ask whoever runs the rosterbook server for a token, then either set the environment variable " & _
            "ROSTERBOOK_TOKEN to it, or add the line ""ROSTERBOOK_TOKEN"",""your token"" to your own xlwings.conf " & _
            "file (Windows: %USERPROFILE%\.xlwings\xlwings.conf; Mac: " & _
            "~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf). Never type the token into this workbook.", _
            vbExclamation, "rosterbook"
        Exit Sub
    End If
    Set longSheet = SheetOverServerLimit()
    If Not longSheet Is Nothing Then
        MsgBox "The sheet '" & longSheet.Name & "' reaches down to row " & _
            Format(LastUsedRow(longSheet), "#,##0") & ", but the import server takes at most " & _
            Format(MAX_SERVER_ROWS, "#,##0") & " rows per sheet." & vbLf & vbLf & _
            "Delete the empty rows below your data (select them, right-click > Delete), or split the users " & _
            "over several workbooks, then try again.", vbExclamation, "rosterbook"
        Exit Sub
    End If
    RunRemotePython url & endpoint, auth:="Bearer " & token
End Sub

Private Function ServerToken() As String
    ' Never from the workbook: the environment first, then the admin's own xlwings.conf file.
    ServerToken = Trim(Environ("ROSTERBOOK_TOKEN"))
    If ServerToken = "" Then ServerToken = Trim(GetConfig("ROSTERBOOK_TOKEN", "", "user"))
End Function

Private Function SheetOverServerLimit() As Worksheet
    Dim ws As Worksheet
    For Each ws In ActiveWorkbook.Worksheets
        If LastUsedRow(ws) > MAX_SERVER_ROWS Then
            Set SheetOverServerLimit = ws
            Exit Function
        End If
    Next ws
End Function

Private Function LastUsedRow(ws As Worksheet) As Long
    LastUsedRow = ws.UsedRange.Row + ws.UsedRange.Rows.Count - 1
End Function

Private Sub ShowFailure(task As String, reason As String)
    Application.StatusBar = False
    MsgBox "rosterbook could not " & task & ": " & reason & vbLf & vbLf & _
        "In local mode, check that Python with rosterbook and xlwings is installed on this computer; " & _
        "in server mode, check that the import server is running. Then try again.", vbExclamation, "rosterbook"
End Sub
