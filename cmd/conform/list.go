package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/conform-kit/conform/harness"
	"github.com/conform-kit/conform/suites"
)

func init() { register(newListCmd) }

func newListCmd(s *streams) *cobra.Command {
	var labels, format, provider string
	cmd := &cobra.Command{
		Use:   "list [--labels FILTER] [--format table|markdown|json]",
		Short: "Print the catalogue of conformance checks",
		Long: `List prints every conformance check: its stable ID, severity, labels, what it
checks, and the provider rule it enforces. --labels filters with the same
Ginkgo label-filter syntax as 'conform run'. CATALOGUE.md is this command's
markdown output.`,
		Example: `  conform list
  conform list --labels 'veriff && signature'
  conform list --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "markdown" {
				if labels != "" || provider != "" {
					return usageError("--format markdown prints the whole catalogue; drop --labels/--provider")
				}
				fmt.Fprint(s.out, suites.Catalogue())
				return nil
			}
			filter, err := types.ParseLabelFilter(labels)
			if err != nil {
				return usageError("--labels %q: %s", labels, plainError(err))
			}
			if provider != "" {
				if _, err := harness.LookupProvider(provider); err != nil {
					return usageError("--provider: %v", err)
				}
			}
			var ins []harness.Instance
			for _, in := range suites.Registry().Instances(provider) {
				if filter(in.Labels) {
					ins = append(ins, in)
				}
			}
			switch format {
			case "json":
				type row struct {
					ID          string   `json:"id"`
					Severity    string   `json:"severity"`
					Labels      []string `json:"labels"`
					Title       string   `json:"title"`
					Document    string   `json:"document"`
					Section     string   `json:"section"`
					Requirement string   `json:"requirement"`
					Source      string   `json:"source"`
				}
				rows := []row{}
				for _, in := range ins {
					rows = append(rows, row{in.ID, string(in.Check.Severity), in.Labels, in.Check.Title, in.Provider.Document, in.Rule.Section, in.Rule.Quote, in.Source()})
				}
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			case "table":
				tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSEVERITY\tLABELS\tCHECKS THAT")
				for _, in := range ins {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", in.ID, in.Check.Severity, strings.Join(in.Labels, ","), in.Check.Title)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(s.out, "%d checks\n", len(ins))
				return nil
			default:
				return usageError("--format %q: want table, markdown or json", format)
			}
		},
	}
	cmd.Flags().StringVar(&labels, "labels", "", "Ginkgo label `filter`, e.g. 'signature && !should'")
	cmd.Flags().StringVar(&provider, "provider", "", "only this provider's checks")
	cmd.Flags().StringVar(&format, "format", "table", "table, markdown or json")
	return cmd
}
