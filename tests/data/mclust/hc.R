# Reference partitions of mclust's hierarchical start, for tests/test_hierarchical.py.
#
# Run once, from the repository root, with R and mclust 6.0.0:
#
#     Rscript tests/data/mclust/hc.R
#
# It writes tests/data/mclust/hc.json (committed; the tests never run R).
# Written with mclust 6.0.0 on R 4.x; the versions are recorded in the JSON.
#
# The start is the one Mclust() uses: hc() with mclust.options("hcModelName")
# ("VVV") on the data transformed as mclust.options("hcUse") says ("SVD"),
# cut by hclass() at K = 1..9. Note that a bare hc(X) in mclust 6.0.0 uses
# use = "VARS" (its own default argument), not the option; the script passes
# the options explicitly, as mclustBIC() does. The untransformed ("VARS")
# partitions are written too, as a check of the merge criterion alone.
#
# What it holds:
#   data        the two data sets as R read them, row by row (n x d): Old
#               Faithful from the repository's CSV
#               (gmmkit/datasets/data/faithful.csv) and R's iris[, 1:4] (which
#               differs from scikit-learn's iris in two rows).
#   partitions  per data set and transformation ("SVD", "VARS"), per K = 1..9:
#               hclass(hc(X, "VVV", use), K), labels 1..K numbered by first
#               appearance (n integers).
#   merges      per data set, the SVD tree's merge pairs as hc() returns them
#               (n - 1 rows of two labels, in hclass()'s convention: the
#               larger label joins the smaller).

suppressMessages(library(mclust))

KS <- 1:9
USES <- c("SVD", "VARS")

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/data/mclust"
root <- normalizePath(file.path(here, "..", "..", ".."))

faithful_csv <- read.csv(file.path(root, "gmmkit", "datasets", "data", "faithful.csv"))
DATA <- list(
  faithful = unname(as.matrix(faithful_csv)),
  iris = unname(as.matrix(iris[, 1:4]))
)

tree <- function(X, use) {
  hc(X, modelName = mclust.options("hcModelName"), use = use)
}

partitions <- function(X) {
  out <- lapply(USES, function(use) {
    cl <- hclass(tree(X, use), KS)
    per_k <- lapply(KS, function(K) as.integer(cl[, as.character(K)]))
    names(per_k) <- as.character(KS)
    per_k
  })
  names(out) <- USES
  out
}

stopifnot(mclust.options("hcModelName") == "VVV", mclust.options("hcUse") == "SVD")

result <- list(
  mclust_version = as.character(packageVersion("mclust")),
  r_version = R.version.string,
  model = mclust.options("hcModelName"),
  default_use = mclust.options("hcUse"),
  ks = KS,
  data = DATA,
  partitions = lapply(DATA, partitions),
  merges = lapply(DATA, function(X) unname(t(unclass(tree(X, "SVD")))[, 1:2]))
)

# digits = NA: 15 significant digits, exact for these data (at most 3 decimals).
out <- file.path(here, "hc.json")
writeLines(jsonlite::toJSON(result, digits = NA, auto_unbox = TRUE), out)
cat("wrote", out, file.size(out), "bytes\n")
