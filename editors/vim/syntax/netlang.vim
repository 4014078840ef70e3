" Vim syntax file
" Language:   NetLang (.net scripts; docs/language.md)
" Maintainer: the NetLang project (editors/vim; docs/editors.md)
"
" The keyword, layer and built-in lists between the GENERATED markers are written by
" scripts/editor_grammars.py from `netl vocabulary` (the lexer's keywords, LayerCatalog,
" the built-in name table); EditorGrammarTests fails when they differ.

if exists("b:current_syntax")
  finish
endif

" Built-ins first, then layers, then keywords: for a word in several lists (relu is a
" layer and a function) the last :syn keyword wins.
" BEGIN GENERATED (scripts/editor_grammars.py)
syn keyword netlangBuiltin exp log sqrt abs square stop_gradient floor round int sum mean max logsumexp maximum
      \ minimum softmax log_softmax transpose matmul concat split zeros ones randn rand bernoulli
      \ tensor shape len append range item argmax format cross_entropy mse nll weight_decay sgd
      \ adam adamw adamax constant_lr multistep step_decay exponential_lr cosine_lr warmup
      \ load_digits load_mnist load_csv load_npy save_npy dataset train_test_split kfold
      \ grouped_kfold take shuffle generate accuracy balanced_accuracy predict parameter_count
      \ summary assign table grad vjp jacobian singular_values svd spectral_norm condition_number
      \ slogdet solve jit flow_nll log_likelihood logdet bits_per_dim preprocess dequantize
      \ inverse sample check_lipschitz logdet_bounds logdet_estimator_stats series_error_bound
      \ flow_capabilities layer_norms dynamics save_dynamics save_density save_scatter save_images
      \ series save_chart save_boxplot generate_spectra isotope_pattern tof_grid mww_auc top_k
      \ select_features lda lda_predict group_majority median quantile iqr receptive_field
      \ linearize layer_spectra save_spectra_decay save_spectra_panels layer_operator preimage
      \ omnidirectional inactive_set admissible relu_bounds weak_correlation_bound
      \ weakly_correlated_rows save_regions save_row_removal assert world generate_spheres greater
      \ forward_logdet metameric_sample save_panels clock layers freeze unfreeze
syn keyword netlangLayer dense conv1d conv2d locally_connected relu tanh sigmoid softplus elu leaky_relu lipswish
      \ maxpool1d avgpool1d maxpool2d avgpool2d global_avgpool flatten reshape dropout batchnorm
      \ actnorm squeeze unsqueeze pad_channels factor_out additive_coupling affine_coupling
      \ invertible_conv1x1
syn keyword netlangKeyword import let fn block model data train on print repeat for in if else return save to load
      \ from residual lipschitz and or not true false
" Train-item words are not reserved: coloured where a value follows them (`epochs 30`).
syn match netlangTrainWord "\<\%(loss\|minimize\|maximize\|over\|optimizer\|schedule\|epochs\|steps\|batch\|shuffle\|log\|validate\|early_stop\|keep\|reset\)\>\ze\s\+[^ =(.,)\]]"
" END GENERATED


syn match   netlangComment "#.*$" contains=@Spell
syn region  netlangString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=netlangEscape
syn match   netlangEscape +\\[nt"\\]+ contained
syn match   netlangNumber "\<\d\+\%(\.\d*\)\=\%([eE][+-]\=\d\+\)\=\>"
syn match   netlangNumber "\.\d\+\%([eE][+-]\=\d\+\)\=\>"
syn match   netlangLabel "\<\h\w*\ze\s*:[^:]"
syn match   netlangOperator "->\|==\|!=\|<=\|>=\|[-+*/%^@<>=]"
syn match   netlangDefinition "\%(\<\%(fn\|model\|block\|data\)\s\+\)\@<=\h\w*"

hi def link netlangKeyword    Keyword
hi def link netlangTrainWord  Statement
hi def link netlangLayer      Type
hi def link netlangBuiltin    Function
hi def link netlangComment    Comment
hi def link netlangString     String
hi def link netlangEscape     SpecialChar
hi def link netlangNumber     Number
hi def link netlangLabel      Identifier
hi def link netlangOperator   Operator
hi def link netlangDefinition Function

let b:current_syntax = "netlang"
