" NetLang scripts end in .net (set, not setfiletype: .net has no other meaning to Vim).
autocmd BufRead,BufNewFile *.net set filetype=netlang
