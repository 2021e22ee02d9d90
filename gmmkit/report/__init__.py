"""The generated HTML report: GMM and EM from first principles, then this fit."""
