# Reference fits of mclust's 14 covariance models, for tests/test_mclust_reference.py.
#
# Run once, from the repository root, with R and mclust 6.0.0:
#
#     Rscript tests/data/mclust/models.R
#
# It writes tests/data/mclust/models.json (committed; the tests never run R).
# Written with mclust 6.0.0 on R 4.x; the versions are recorded in the JSON.
#
# What it holds:
#   n_params       nMclustParams(model, d, K) for the 14 models, d in {2, 3, 5},
#                  K in {1, 2, 4}.
#   data           the two data sets as R read them: Old Faithful from the
#                  repository's CSV (gmmkit/datasets/data/faithful.csv, so R and
#                  Python use the same numbers, and the test checks they do) and
#                  R's iris[, 1:4] (which differs from scikit-learn's iris in two
#                  rows), row by row (n x d).
#   fits           per data set, model and K (faithful 1..5, iris 1..4): the
#                  maximum-likelihood fit from mclust's default start (the
#                  hierarchical "VVV" merge on SVD-scaled data, hc(), cut at K
#                  groups by hclass(); K = 1 is mclust's closed form, mvn()),
#                  refined by EM at a tight tolerance (TOL below). Each cell is
#                  null where mclust returns no fit (NA BIC), otherwise:
#                    loglik, bic, icl (mclust's icl(): BIC + 2 sum_i log z_i,map),
#                    df, n, iterations (EM iterations; null for K = 1),
#                    inner_iterations (last M-step's inner iterations, models
#                    with an iterative M-step only), return_code,
#                    pro (K), mean (d x K, mclust's layout: mean[j][k]),
#                    sigma (K x d x d: sigma[k][i][j], the full covariance of
#                    component k for every model), scale and shape (mclust's
#                    volume/shape decomposition, as mclust returns them; null
#                    where the model has none), and z (n x K final
#                    responsibilities) for K = 2 and 3 only (null otherwise).
#   selection      Mclust(X) with mclust's defaults (G = 1:9, default EM
#                  tolerance) over all 14 models and over VII, VVI, EEE, VVV:
#                  the chosen model, K and BIC, and the whole BIC table
#                  (bic[g][m], G = 1..9 by model, null for NA).
#
# Conventions: mclust's BIC is 2 loglik - df log n (higher is better) and its
# ICL is BIC + 2 sum_i log z_{i, map(i)}; gmmkit's are the negatives. Doubles
# are written with 17 significant digits (sprintf "%.17g"), which round-trip
# exactly; jsonlite's digits = NA writes only 15, so this script has its own
# writer.

suppressMessages(library(mclust))

MODELS <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
            "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV")
FOUR <- c("VII", "VVI", "EEE", "VVV")
TOL <- c(1e-12, 1e-12)   # EM relative log-likelihood change; inner M-step loops
CONTROL <- emControl(tol = TOL)
Z_KS <- c(2, 3)

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/data/mclust"
root <- normalizePath(file.path(here, "..", "..", ".."))

# ---------------------------------------------------------------- JSON writer
# Values are wrapped to say what they are: scalars are length-1 vectors, arrays
# are marked with arr() (so a length-1 array stays an array), matrices and
# higher arrays are written with their first index outermost.
arr <- function(x) structure(list(value = x), class = "json_array")

num <- function(x) {
  ifelse(is.na(x), "null", sprintf("%.17g", as.numeric(x)))
}

nested <- function(x) {
  dims <- dim(x)
  if (is.null(dims) || length(dims) == 1) {
    return(paste0("[", paste(num(as.vector(x)), collapse = ","), "]"))
  }
  slices <- asplit(x, 1)
  parts <- vapply(slices, function(s) nested(array(s, dim = dims[-1])), "")
  paste0("[", paste(parts, collapse = ","), "]")
}

to_json <- function(x) {
  if (is.null(x)) return("null")
  if (inherits(x, "json_array")) return(nested(x$value))
  if (is.list(x)) {
    if (is.null(names(x))) {
      return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
    }
    keys <- vapply(names(x), function(k) jsonlite::toJSON(k, auto_unbox = TRUE), "")
    vals <- vapply(x, to_json, "")
    return(paste0("{", paste(paste0(keys, ":", vals), collapse = ","), "}"))
  }
  stopifnot(length(x) == 1)
  if (is.character(x)) return(as.character(jsonlite::toJSON(x, auto_unbox = TRUE)))
  if (is.logical(x)) return(if (is.na(x)) "null" else tolower(as.character(x)))
  num(x)
}

# ------------------------------------------------------------------ the fits
iterations <- function(info) {
  # me() reports c(iterations, error), named differently by model, and for
  # models with an iterative M-step the inner loop's count as attr "inner".
  if (is.null(info)) return(list(NULL, NULL))
  outer <- unlist(info)[1]
  inner <- attr(info, "inner")
  list(as.integer(outer), if (is.null(inner)) NULL else as.integer(inner[1]))
}

one_fit <- function(X, model, K, hcpairs) {
  fit <- suppressWarnings(
    Mclust(X, G = K, modelNames = model, control = CONTROL, verbose = FALSE)
  )
  if (is.null(fit) || is.na(fit$loglik)) return(NULL)
  counts <- list(NULL, NULL)
  if (K > 1) {
    # The same EM run as Mclust's, to read its iteration counts.
    z0 <- unmap(hclass(hcpairs, K))
    out <- me(data = X, modelName = model, z = z0, control = CONTROL)
    stopifnot(identical(out$loglik, fit$loglik))
    counts <- iterations(attr(out, "info"))
  }
  v <- fit$parameters$variance
  sigma <- array(v$sigma, dim = c(ncol(X), ncol(X), K))
  list(
    loglik = fit$loglik, bic = fit$bic, icl = icl(fit), df = fit$df, n = fit$n,
    iterations = counts[[1]], inner_iterations = counts[[2]],
    return_code = attr(fit$BIC, "returnCodes")[1, 1],
    pro = arr(fit$parameters$pro),
    mean = arr(unname(fit$parameters$mean)),
    sigma = arr(aperm(unname(sigma), c(3, 1, 2))),
    scale = if (is.null(v$scale)) NULL else arr(unname(v$scale)),
    shape = if (is.null(v$shape)) NULL else arr(unname(v$shape)),
    z = if (K %in% Z_KS) arr(unname(fit$z)) else NULL
  )
}

data_fits <- function(X, ks) {
  hcpairs <- hc(X, modelName = mclust.options("hcModelName"),
                use = mclust.options("hcUse"))
  cells <- lapply(MODELS, function(model) {
    per_k <- lapply(ks, function(K) one_fit(X, model, K, hcpairs))
    names(per_k) <- as.character(ks)
    per_k
  })
  names(cells) <- MODELS
  cells
}

choice <- function(X, models) {
  fit <- Mclust(X, modelNames = models, verbose = FALSE)
  table <- unclass(fit$BIC)[, models, drop = FALSE]
  list(
    model = fit$modelName, K = fit$G, bic = fit$bic,
    models = as.list(models), G = arr(as.integer(rownames(table))),
    bic_table = arr(unname(table))
  )
}

# ---------------------------------------------------------------------- main
faithful_csv <- read.csv(file.path(root, "gmmkit", "datasets", "data", "faithful.csv"))
DATA <- list(
  faithful = unname(as.matrix(faithful_csv)),
  iris = unname(as.matrix(iris[, 1:4]))
)
KS <- list(faithful = 1:5, iris = 1:4)

n_params <- list()
for (d in c(2, 3, 5)) for (K in c(1, 2, 4)) for (model in MODELS) {
  n_params[[length(n_params) + 1]] <- list(
    model = model, d = d, K = K, n = nMclustParams(model, d, K)
  )
}

result <- list(
  mclust_version = as.character(packageVersion("mclust")),
  r_version = R.version.string,
  em_tol = arr(TOL),
  models = as.list(MODELS),
  layout = paste(
    "mean is d x K (mean[j][k]); sigma is K x d x d (sigma[k][i][j]);",
    "z is n x K; data are n x d; bic and icl are mclust's (higher is better)"
  ),
  n_params = n_params,
  data = lapply(DATA, arr),
  fits = mapply(function(X, ks) data_fits(X, ks), DATA, KS, SIMPLIFY = FALSE),
  selection = lapply(DATA, function(X) {
    list(all = choice(X, MODELS), four = choice(X, FOUR))
  })
)

out <- file.path(here, "models.json")
writeLines(to_json(result), out, useBytes = TRUE)
cat("wrote", out, file.size(out), "bytes\n")
for (name in names(DATA)) {
  s <- result$selection[[name]]
  cat(name, ": all 14 ->", s$all$model, s$all$K, s$all$bic,
      "; four ->", s$four$model, s$four$K, s$four$bic, "\n")
}
