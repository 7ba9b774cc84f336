//! The console's languages and message catalog: Vietnamese first (what
//! officers and citizens read), English switchable. Templates call
//! `t("key")`; a key missing from the catalog shows as itself, so a gap is
//! visible rather than blank.

use serde::Serialize;

/// A language of the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// `(key, Vietnamese, English)`.
const MESSAGES: &[(&str, &str, &str)] = &[
    ("app.name", "Một cửa điện tử", "One-stop console"),
    (
        "app.skip",
        "Chuyển đến nội dung chính",
        "Skip to main content",
    ),
    ("nav.procedures", "Thủ tục", "Procedures"),
    ("nav.my", "Hồ sơ của tôi", "My dossiers"),
    ("nav.track", "Tra cứu hồ sơ", "Track a dossier"),
    ("nav.inbox", "Hồ sơ cần xử lý", "Inbox"),
    ("nav.plugins", "Plugin", "Plugins"),
    ("nav.outbox", "Đồng bộ", "Synchronisation"),
    ("nav.reconciliation", "Đối soát", "Reconciliation"),
    ("nav.calendar", "Lịch làm việc", "Calendar"),
    ("nav.dashboard", "Thống kê", "Dashboard"),
    ("nav.signout", "Đăng xuất", "Sign out"),
    ("nav.signin", "Đăng nhập", "Sign in"),
    ("nav.lang", "English", "Tiếng Việt"),
    ("login.title", "Đăng nhập", "Sign in"),
    ("login.username", "Tên đăng nhập", "Username"),
    ("login.password", "Mật khẩu", "Password"),
    ("login.submit", "Đăng nhập", "Sign in"),
    (
        "login.failed",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    ),
    (
        "login.expired",
        "Phiên làm việc đã hết hạn, vui lòng thử lại.",
        "The form expired; please try again.",
    ),
    (
        "procedures.title",
        "Thủ tục hành chính",
        "Administrative procedures",
    ),
    ("procedures.apply", "Nộp hồ sơ trực tuyến", "Apply online"),
    (
        "procedures.none_online",
        "Không nộp trực tuyến",
        "Not offered online",
    ),
    (
        "procedures.processing",
        "Thời hạn giải quyết",
        "Processing time",
    ),
    ("procedures.working_days", "ngày làm việc", "working days"),
    ("form.applicant", "Người nộp hồ sơ", "Applicant"),
    ("form.applicant_id", "Số định danh cá nhân", "Personal ID"),
    ("form.applicant_name", "Họ và tên", "Full name"),
    ("form.phone", "Số điện thoại", "Phone"),
    ("form.email", "Thư điện tử", "E-mail"),
    ("form.required", "bắt buộc", "required"),
    (
        "form.reused",
        "Lấy từ CSDL quốc gia về dân cư",
        "Reused from the National Population Database",
    ),
    ("form.fee", "Phí, lệ phí phải nộp", "Fees and charges due"),
    ("form.fee_total", "Tổng cộng", "Total"),
    ("form.submit", "Nộp hồ sơ", "Submit"),
    (
        "form.errors",
        "Hồ sơ chưa hợp lệ. Vui lòng sửa các trường được đánh dấu.",
        "The form has errors. Please correct the marked fields.",
    ),
    ("form.choose", "-- Chọn --", "-- Choose --"),
    ("form.yes", "Có", "Yes"),
    (
        "form.prefill_note",
        "Các trường đánh dấu đã được điền sẵn từ dữ liệu dân cư; bạn có thể sửa.",
        "Marked fields were prefilled from the population data; you may change them.",
    ),
    ("receipt.title", "Đã nộp hồ sơ", "Dossier submitted"),
    ("receipt.code", "Mã hồ sơ", "Dossier code"),
    (
        "receipt.keep",
        "Vui lòng ghi lại mã hồ sơ để tra cứu.",
        "Keep the dossier code to track it.",
    ),
    ("dossier.title", "Hồ sơ", "Dossier"),
    ("dossier.procedure", "Thủ tục", "Procedure"),
    ("dossier.status", "Trạng thái", "Status"),
    ("dossier.channel", "Kênh nộp", "Channel"),
    ("dossier.applicant", "Người nộp", "Applicant"),
    ("dossier.received", "Ngày tiếp nhận", "Received"),
    ("dossier.submitted", "Ngày nộp", "Submitted"),
    ("dossier.appointment", "Ngày hẹn trả", "Appointment"),
    ("dossier.finished", "Ngày có kết quả", "Result issued"),
    ("dossier.returned", "Ngày trả kết quả", "Result returned"),
    ("dossier.form", "Thông tin tờ khai", "Form values"),
    (
        "dossier.components",
        "Thành phần hồ sơ",
        "Dossier components",
    ),
    ("dossier.fees", "Phí, lệ phí", "Fees"),
    ("dossier.payments", "Thanh toán", "Payments"),
    ("dossier.documents", "Tài liệu", "Documents"),
    ("dossier.timeline", "Quá trình xử lý", "Timeline"),
    (
        "dossier.sync",
        "Đồng bộ Cổng DVC quốc gia",
        "National portal sync",
    ),
    ("dossier.actions", "Thao tác", "Actions"),
    (
        "dossier.no_actions",
        "Không có thao tác nào ở trạng thái này.",
        "No action is possible in this state.",
    ),
    ("dossier.reason", "Lý do", "Reason"),
    (
        "dossier.print01",
        "In phiếu tiếp nhận và hẹn trả (mẫu 01)",
        "Print receipt and appointment slip (form 01)",
    ),
    (
        "dossier.print02",
        "In phiếu yêu cầu bổ sung (mẫu 02)",
        "Print supplementation request (form 02)",
    ),
    ("dossier.timeliness", "Đánh giá", "Verdict"),
    ("dossier.open", "Mở", "Open"),
    ("dossier.none", "Chưa có", "None"),
    ("dossier.amount", "Số tiền (đồng)", "Amount (VND)"),
    ("dossier.reference", "Mã giao dịch", "Reference"),
    ("dossier.result_title", "Tên kết quả", "Result title"),
    ("dossier.result_text", "Nội dung kết quả", "Result text"),
    ("dossier.assignee", "Người xử lý", "Assignee"),
    ("dossier.new_appointment", "Ngày hẹn mới", "New appointment"),
    ("dossier.done", "Đã thực hiện", "Done"),
    (
        "dossier.letter",
        "Thư của địa phương",
        "Letter from the locality",
    ),
    (
        "dossier.supplement_hint",
        "Cập nhật tờ khai nếu cần rồi gửi bổ sung.",
        "Update the form if needed, then send the supplement.",
    ),
    ("inbox.title", "Hồ sơ của cơ quan", "Agency inbox"),
    (
        "inbox.search",
        "Tìm theo mã hồ sơ hoặc số định danh",
        "Search by dossier code or applicant ID",
    ),
    ("inbox.filter", "Lọc", "Filter"),
    ("inbox.all", "Tất cả", "All"),
    (
        "inbox.open_only",
        "Chỉ hồ sơ đang xử lý",
        "Open dossiers only",
    ),
    ("inbox.received_from", "Tiếp nhận từ ngày", "Received from"),
    ("inbox.received_to", "đến ngày", "to"),
    ("inbox.next", "Trang sau", "Next page"),
    ("inbox.first", "Trang đầu", "First page"),
    ("inbox.empty", "Không có hồ sơ nào.", "No dossier."),
    ("mark.overdue", "Quá hạn", "Overdue"),
    ("mark.due_today", "Đến hạn hôm nay", "Due today"),
    ("mark.due_soon", "Sắp đến hạn", "Due soon"),
    (
        "mark.paused",
        "Tạm dừng (chờ bổ sung)",
        "Paused (supplementation)",
    ),
    ("mark.on_time", "Đúng hạn", "On time"),
    ("my.title", "Hồ sơ của tôi", "My dossiers"),
    ("track.title", "Tra cứu hồ sơ", "Track a dossier"),
    ("track.tenant", "Địa phương", "Locality"),
    ("track.code", "Mã hồ sơ", "Dossier code"),
    ("track.submit", "Tra cứu", "Track"),
    (
        "track.not_found",
        "Không tìm thấy hồ sơ với mã này.",
        "No dossier has this code.",
    ),
    (
        "plugins.title",
        "Plugin của địa phương",
        "The tenant's plugins",
    ),
    ("plugins.version", "Phiên bản", "Version"),
    ("plugins.active", "Đang dùng", "Active"),
    ("plugins.activate", "Kích hoạt", "Activate"),
    ("plugins.rollback", "Quay lại phiên bản trước", "Roll back"),
    ("plugins.calls", "Số lần gọi", "Calls"),
    (
        "plugins.package",
        "Gói plugin (.tar.gz)",
        "Plugin package (.tar.gz)",
    ),
    (
        "plugins.activate_now",
        "Kích hoạt ngay sau khi kiểm tra",
        "Activate once verified",
    ),
    ("plugins.deploy", "Triển khai", "Deploy"),
    ("plugins.duration", "Thời gian một lần gọi", "Call duration"),
    ("plugins.failures", "Lỗi", "Failures"),
    ("plugins.signature", "Chữ ký số", "Signature"),
    ("plugins.key_trusted", "khóa được tin cậy", "trusted key"),
    (
        "plugins.key_revoked",
        "khóa đã bị thu hồi: phiên bản này sẽ không được nạp lại khi kích hoạt hoặc khởi động lại",
        "key revoked: this version will not load again at its next activation or restart",
    ),
    (
        "plugins.key_untrusted",
        "khóa không còn được tin cậy",
        "key no longer trusted",
    ),
    (
        "plugins.unsigned",
        "chưa ký (máy chủ cho phép gói chưa ký)",
        "unsigned (this host allows unsigned packages)",
    ),
    (
        "plugins.timeline",
        "Lịch sử và lịch áp dụng",
        "Timeline and schedule",
    ),
    ("plugins.effective_at", "Có hiệu lực từ", "In force from"),
    ("plugins.kind", "Loại", "Kind"),
    ("plugins.applied", "Đã áp dụng", "Applied"),
    ("plugins.pending", "chờ đến hạn", "pending"),
    (
        "plugins.directory",
        "phiên bản của nền tảng",
        "the platform's version",
    ),
    ("plugins.schedule", "Hẹn giờ áp dụng", "Schedule"),
    ("plugins.cancel", "Hủy lịch", "Cancel"),
    ("outbox.title", "Hàng đợi đồng bộ", "Synchronisation outbox"),
    ("outbox.resend", "Gửi lại", "Resend"),
    (
        "outbox.resend_dead",
        "Gửi lại tất cả bản tin lỗi",
        "Resend every dead entry",
    ),
    ("outbox.attempts", "Số lần thử", "Attempts"),
    ("outbox.error", "Lỗi gần nhất", "Last error"),
    (
        "recon.title",
        "Đối soát với Cổng DVC quốc gia",
        "Reconciliation with the national portal",
    ),
    ("recon.clean", "Không có sai lệch.", "No mismatch."),
    ("recon.causes", "Nguyên nhân", "Causes"),
    ("calendar.title", "Lịch làm việc", "Working calendar"),
    ("calendar.holidays", "Ngày nghỉ lễ", "Public holidays"),
    ("calendar.makeup", "Ngày làm bù", "Make-up working days"),
    (
        "calendar.cutoff",
        "Giờ tiếp nhận cuối ngày",
        "Daily cut-off",
    ),
    (
        "dashboard.title",
        "Thống kê (Quyết định 766)",
        "Statistics (Decision 766)",
    ),
    ("dashboard.month", "Tháng", "Month"),
    ("dashboard.previous", "Tháng trước", "Previous month"),
    ("dashboard.next", "Tháng sau", "Next month"),
    ("dashboard.rule", "Quy tắc tính", "Rule"),
    ("dashboard.as_of", "số liệu đến", "figures as of"),
    (
        "dashboard.compare",
        "Tháng này so với tháng trước",
        "This month against the previous one",
    ),
    ("dashboard.indicator", "Chỉ tiêu", "Indicator"),
    ("dashboard.now", "Hiện tại", "Right now"),
    ("dashboard.trend", "Xu hướng 12 tháng", "12-month trend"),
    (
        "dashboard.ranking",
        "Xếp hạng cơ quan theo tỷ lệ đúng hạn (từ đầu năm)",
        "Agencies ranked by on-time rate (year to date)",
    ),
    (
        "dashboard.overdue",
        "Thủ tục có nhiều hồ sơ quá hạn nhất",
        "Procedures with the most overdue dossiers",
    ),
    ("dashboard.agency", "Cơ quan", "Agency"),
    ("dashboard.procedure", "Thủ tục", "Procedure"),
    (
        "dashboard.none",
        "Chưa có hồ sơ nào giải quyết xong trong năm.",
        "No dossier finished this year yet.",
    ),
    (
        "dashboard.no_overdue",
        "Không có hồ sơ quá hạn.",
        "No overdue dossier.",
    ),
    ("dashboard.numerator", "Tử số", "Numerator"),
    ("dashboard.denominator", "Mẫu số", "Denominator"),
    ("dashboard.csv", "Tải về CSV", "Download CSV"),
    (
        "dashboard.back",
        "Về trang thống kê",
        "Back to the dashboard",
    ),
    ("dashboard.received", "Tiếp nhận", "Received"),
    ("dashboard.appointment", "Hẹn trả", "Appointment"),
    ("dashboard.finished", "Hoàn thành", "Finished"),
    ("dashboard.on_time", "Đúng hạn", "On time"),
    ("dashboard.yes", "Đúng hạn", "On time"),
    ("dashboard.late", "Trễ hạn", "Late"),
    ("dashboard.empty", "Không có hồ sơ nào.", "No dossier."),
    (
        "error.title",
        "Không thực hiện được",
        "Something went wrong",
    ),
    ("error.back", "Quay lại", "Go back"),
    (
        "print.title01",
        "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "RECEIPT AND APPOINTMENT SLIP",
    ),
    (
        "print.title02",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "SUPPLEMENTATION REQUEST",
    ),
    (
        "print.nation",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SOCIALIST REPUBLIC OF VIET NAM",
    ),
    (
        "print.motto",
        "Độc lập - Tự do - Hạnh phúc",
        "Independence - Freedom - Happiness",
    ),
    ("print.form", "Mẫu số", "Form"),
    ("print.print", "In", "Print"),
    ("print.officer", "Người tiếp nhận", "Received by"),
    ("print.applicant_sign", "Người nộp hồ sơ", "Applicant"),
    (
        "print.requested",
        "Nội dung yêu cầu bổ sung",
        "What to supplement",
    ),
];

/// The message `key` in `lang`; the key itself when the catalog lacks it.
pub fn message(lang: Lang, key: &str) -> String {
    match MESSAGES.iter().find(|(k, _, _)| *k == key) {
        Some((_, vi, en)) => match lang {
            Lang::Vi => (*vi).to_owned(),
            Lang::En => (*en).to_owned(),
        },
        None => key.to_owned(),
    }
}

/// A catalogued name of a stage, action or channel (`stage.received`,
/// `action.receive`, `channel.online`).
const NAMES: &[(&str, &str, &str)] = &[
    ("stage.submitted", "Mới đăng ký", "Newly submitted"),
    ("stage.received", "Đã tiếp nhận", "Received"),
    ("stage.refused_at_intake", "Không tiếp nhận", "Not received"),
    ("stage.assigned", "Đã phân công", "Assigned"),
    ("stage.in_review", "Đang thẩm định", "In review"),
    (
        "stage.awaiting_signature",
        "Chờ ký duyệt",
        "Awaiting signature",
    ),
    (
        "stage.supplementation_requested",
        "Chờ bổ sung",
        "Supplementation requested",
    ),
    (
        "stage.financial_obligation_requested",
        "Chờ thực hiện nghĩa vụ tài chính",
        "Financial obligation requested",
    ),
    ("stage.withdrawn", "Đã rút", "Withdrawn"),
    ("stage.stopped", "Dừng xử lý", "Processing stopped"),
    ("stage.processed", "Đã có kết quả", "Result ready"),
    ("stage.refused_decision", "Từ chối giải quyết", "Refused"),
    ("stage.result_returned", "Đã trả kết quả", "Result returned"),
    ("action.receive", "Tiếp nhận", "Receive"),
    (
        "action.refuse_at_intake",
        "Không tiếp nhận",
        "Refuse at intake",
    ),
    ("action.assign", "Phân công", "Assign"),
    ("action.start_review", "Bắt đầu thẩm định", "Start review"),
    ("action.forward", "Chuyển xử lý", "Forward"),
    (
        "action.submit_for_signature",
        "Trình ký",
        "Submit for signature",
    ),
    (
        "action.request_supplementation",
        "Yêu cầu bổ sung",
        "Request supplementation",
    ),
    ("action.supplement", "Bổ sung hồ sơ", "Supplement"),
    (
        "action.request_financial_obligation",
        "Yêu cầu nghĩa vụ tài chính",
        "Request financial obligation",
    ),
    (
        "action.confirm_obligation_met",
        "Xác nhận đã thực hiện nghĩa vụ tài chính",
        "Confirm obligation met",
    ),
    (
        "action.approve",
        "Phê duyệt, ban hành kết quả",
        "Approve and issue the result",
    ),
    ("action.refuse", "Từ chối giải quyết", "Refuse"),
    ("action.stop", "Dừng xử lý", "Stop processing"),
    ("action.withdraw", "Rút hồ sơ", "Withdraw"),
    ("action.return_result", "Trả kết quả", "Return the result"),
    ("action.extend", "Gia hạn (mẫu 04)", "Extend (form 04)"),
    (
        "action.record_payment",
        "Ghi nhận thanh toán",
        "Record a payment",
    ),
    (
        "indicator.on_time",
        "Tỷ lệ giải quyết đúng hạn",
        "On-time rate",
    ),
    ("indicator.online", "Tỷ lệ hồ sơ trực tuyến", "Online rate"),
    (
        "indicator.online_payment",
        "Tỷ lệ thanh toán trực tuyến",
        "Online-payment rate",
    ),
    (
        "indicator.synchronised",
        "Tỷ lệ đồng bộ Cổng DVC quốc gia",
        "Synchronised rate",
    ),
    (
        "indicator.data_reuse",
        "Tỷ lệ tái sử dụng dữ liệu",
        "Data-reuse rate",
    ),
    (
        "indicator.e_result",
        "Tỷ lệ trả kết quả điện tử",
        "E-result rate",
    ),
    ("indicator.received", "Hồ sơ tiếp nhận", "Received"),
    ("indicator.finished", "Hồ sơ đã giải quyết", "Finished"),
    ("indicator.in_progress", "Đang giải quyết", "In progress"),
    ("indicator.overdue", "Quá hạn", "Overdue"),
    ("channel.online", "Trực tuyến", "Online"),
    ("channel.counter", "Trực tiếp", "At the counter"),
    ("channel.postal", "Bưu chính", "By post"),
    ("event.submitted", "Nộp trực tuyến", "Submitted online"),
    ("event.received", "Tiếp nhận", "Received"),
    (
        "event.refused_at_intake",
        "Không tiếp nhận",
        "Refused at intake",
    ),
    ("event.assigned", "Phân công", "Assigned"),
    (
        "event.review_started",
        "Bắt đầu thẩm định",
        "Review started",
    ),
    ("event.forwarded", "Chuyển xử lý", "Forwarded"),
    ("event.sent_for_signature", "Trình ký", "Sent for signature"),
    (
        "event.supplementation_requested",
        "Yêu cầu bổ sung",
        "Supplementation requested",
    ),
    ("event.supplemented", "Đã bổ sung", "Supplemented"),
    (
        "event.financial_obligation_requested",
        "Yêu cầu nghĩa vụ tài chính",
        "Financial obligation requested",
    ),
    (
        "event.obligation_met",
        "Đã thực hiện nghĩa vụ tài chính",
        "Obligation met",
    ),
    ("event.approved", "Đã phê duyệt", "Approved"),
    ("event.refused", "Từ chối", "Refused"),
    ("event.stopped", "Dừng xử lý", "Stopped"),
    ("event.withdrawn", "Rút hồ sơ", "Withdrawn"),
    ("event.result_returned", "Trả kết quả", "Result returned"),
    ("event.extended", "Gia hạn", "Extended"),
    ("outbox.pending", "Đang chờ", "Pending"),
    ("outbox.delivered", "Đã gửi", "Delivered"),
    ("outbox.dead", "Lỗi, ngừng gửi", "Dead"),
];

/// The name of `prefix.value` in `lang`, or `value` when uncatalogued.
pub fn name(lang: Lang, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}.{value}");
    match NAMES.iter().find(|(k, _, _)| *k == key) {
        Some((_, vi, en)) => match lang {
            Lang::Vi => (*vi).to_owned(),
            Lang::En => (*en).to_owned(),
        },
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_keys_are_unique() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, vi, en) in MESSAGES.iter().chain(NAMES) {
            assert!(keys.insert(*key), "{key} is listed twice");
            assert!(!vi.is_empty() && !en.is_empty(), "{key} lacks a language");
        }
    }

    #[test]
    fn a_missing_key_shows_as_itself() {
        assert_eq!(message(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(message(Lang::Vi, "nav.inbox"), "Hồ sơ cần xử lý");
        assert_eq!(name(Lang::En, "stage", "in_review"), "In review");
    }
}
